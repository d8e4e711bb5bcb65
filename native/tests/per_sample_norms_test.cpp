// Per-sample squared gradient norms (differential privacy) against per-sample gradients written
// out in double, one sample at a time from their definitions: Linear's dW_i = dy_i x_i^T and
// db_i = dy_i, GroupNorm's dgamma_i[c] = sum dy * xhat and dbeta_i[c] = sum dy over channel c of
// sample i. Also: the norms are added to what sq holds, 1 and 2 threads agree bit for bit, and
// the arguments they refuse.
#include <cmath>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

void test_linear(const Contexts& ctxs) {
    Rng rng(17);
    for (int64_t batch : {1, 5, 33}) {
        for (bool bias : {true, false}) {
            const int64_t in = 37, out = 11;
            const anvil_linear_desc d{batch, in, out};
            std::vector<float> x = rng.vector(batch * in, -2.0f, 2.0f), dy = rng.vector(batch * out);
            std::vector<float> start = rng.vector(batch, 0.0f, 3.0f), sq1 = start, sq2 = start;
            std::vector<double> want(batch);
            for (int64_t i = 0; i < batch; ++i) {
                double total = start[i];
                for (int64_t o = 0; o < out; ++o) {
                    const double g = dy[i * out + o];
                    for (int64_t k = 0; k < in; ++k) {
                        const double w = g * x[i * in + k];  // dW_i[o][k]
                        total += w * w;
                    }
                    if (bias) total += g * g;
                }
                want[i] = total;
            }
            EXPECT_OK(anvil_linear_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), bias ? 1 : 0, sq1.data()));
            EXPECT_OK(anvil_linear_per_sample_sq_norms(ctxs.two, &d, x.data(), dy.data(), bias ? 1 : 0, sq2.data()));
            EXPECT(test::all_close(sq1, want, 1e-6, 1e-6, "linear per-sample squared norms"));
            EXPECT(sq1 == sq2);
        }
    }
    const anvil_linear_desc d{2, 3, 4};
    std::vector<float> x(6), dy(8), sq(2);
    EXPECT_ERROR(anvil_linear_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 2, sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "bias must be 0 or 1");
    EXPECT_ERROR(anvil_linear_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 1, nullptr), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq is NULL");
    EXPECT_ERROR(anvil_linear_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 1, x.data() + 1), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq and x overlap");
    const anvil_linear_desc zero{0, 3, 4};
    EXPECT_ERROR(anvil_linear_per_sample_sq_norms(ctxs.one, &zero, x.data(), dy.data(), 1, sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "batch");
    EXPECT_ERROR(anvil_linear_per_sample_sq_norms(nullptr, &d, x.data(), dy.data(), 1, sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "context");
}

struct GnCase {
    int64_t batch, channels, spatial, groups;
};

void test_groupnorm(const Contexts& ctxs) {
    Rng rng(23);
    for (const GnCase& k : {GnCase{2, 6, 5, 3}, GnCase{1, 4, 9, 1}, GnCase{3, 4, 1, 4}, GnCase{4, 8, 16, 2}}) {
        const int64_t n = k.batch * k.channels * k.spatial, per = k.channels / k.groups;
        const anvil_groupnorm_desc d{k.batch, k.channels, k.spatial, k.groups, 1e-5f, 0};
        std::vector<float> x = rng.vector(n, -2.0f, 3.0f), dy = rng.vector(n);
        std::vector<float> start = rng.vector(k.batch, 0.0f, 2.0f), sq1 = start, sq2 = start;
        std::vector<double> want(k.batch);
        for (int64_t i = 0; i < k.batch; ++i) {
            double total = start[i];
            for (int64_t g = 0; g < k.groups; ++g) {
                const int64_t off = (i * k.channels + g * per) * k.spatial, count = per * k.spatial;
                double mean = 0, var = 0;
                for (int64_t j = 0; j < count; ++j) mean += x[off + j];
                mean /= count;
                for (int64_t j = 0; j < count; ++j) var += (x[off + j] - mean) * (x[off + j] - mean);
                var /= count;
                for (int64_t c = 0; c < per; ++c) {
                    double dgamma = 0, dbeta = 0;
                    for (int64_t s = 0; s < k.spatial; ++s) {
                        const int64_t j = off + c * k.spatial + s;
                        dgamma += dy[j] * (x[j] - mean) / std::sqrt(var + 1e-5);
                        dbeta += dy[j];
                    }
                    total += dgamma * dgamma + dbeta * dbeta;
                }
            }
            want[i] = total;
        }
        EXPECT_OK(anvil_groupnorm_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), sq1.data()));
        EXPECT_OK(anvil_groupnorm_per_sample_sq_norms(ctxs.two, &d, x.data(), dy.data(), sq2.data()));
        EXPECT(test::all_close(sq1, want, 1e-6, 1e-6, "groupnorm per-sample squared norms"));
        EXPECT(sq1 == sq2);
    }
    std::vector<float> x(60), dy(60), sq(2);
    const anvil_groupnorm_desc bad{2, 6, 5, 4, 1e-5f, 0};
    EXPECT_ERROR(anvil_groupnorm_per_sample_sq_norms(ctxs.one, &bad, x.data(), dy.data(), sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "divisible by groups");
    const anvil_groupnorm_desc ok{2, 6, 5, 3, 1e-5f, 0};
    EXPECT_ERROR(anvil_groupnorm_per_sample_sq_norms(ctxs.one, &ok, x.data(), dy.data(), nullptr), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq is NULL");
    EXPECT_ERROR(anvil_groupnorm_per_sample_sq_norms(ctxs.one, &ok, x.data(), dy.data(), dy.data() + 59), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq and dy overlap");
    const anvil_groupnorm_desc neg{2, 6, 5, 3, -1.0f, 0};
    EXPECT_ERROR(anvil_groupnorm_per_sample_sq_norms(ctxs.one, &neg, x.data(), dy.data(), sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "eps");
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_linear(ctxs);
        test_groupnorm(ctxs);
    }
    return test::finish();
}
