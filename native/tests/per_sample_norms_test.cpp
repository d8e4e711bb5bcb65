// Per-sample squared gradient norms (differential privacy) against per-sample gradients written
// out in double, one sample at a time from their definitions: Linear's dW_i = dy_i x_i^T and
// db_i = dy_i; Conv2d's weight and bias gradients of one image (both methods); GroupNorm's
// dgamma_i[c] = sum dy * xhat and dbeta_i[c] = sum dy over channel c of sample i. Also: the norms
// are added to what sq holds, 1 and 2 threads agree bit for bit, and the arguments they refuse.
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

void test_conv2d(const Contexts& ctxs) {
    Rng rng(29);
    // batch, C, H, W, O, KH, KW, stride, pad, dilation, groups; the last two are the shapes of the private CNN.
    const anvil_conv2d_desc cases[] = {{3, 2, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
                                       {2, 4, 9, 9, 6, 3, 2, 2, 1, 0, 1, 2, 1, 2},
                                       {5, 1, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1},
                                       {4, 1, 28, 28, 16, 8, 8, 2, 2, 3, 3, 1, 1, 1},
                                       {4, 16, 13, 13, 32, 4, 4, 2, 2, 0, 0, 1, 1, 1}};
    for (const anvil_conv2d_desc& d : cases) {
        int64_t oh = 0, ow = 0;
        EXPECT_OK(anvil_conv2d_output_size(&d, &oh, &ow));
        const int64_t nx = d.batch * d.in_channels * d.in_h * d.in_w, ny = d.batch * d.out_channels * oh * ow;
        const int64_t per_sample_w = d.out_channels * (d.in_channels / d.groups) * d.kernel_h * d.kernel_w;
        std::vector<float> x = rng.vector(nx), dy = rng.vector(ny), start = rng.vector(d.batch, 0.0f, 2.0f);
        // The per-sample weight gradients, all at once: dw[n][w] = sum over positions dy * x.
        std::vector<double> dw(d.batch * per_sample_w, 0.0);
        const int64_t y_per_sample = d.out_channels * oh * ow;
        test::conv2d_taps(d, oh, ow, [&](int64_t xi, int64_t wi, int64_t yi) {
            dw[(yi / y_per_sample) * per_sample_w + wi] += static_cast<double>(dy[yi]) * x[xi];
        });
        for (bool bias : {true, false}) {
            std::vector<double> want(d.batch);
            for (int64_t n = 0; n < d.batch; ++n) {
                double total = start[n];
                for (int64_t w = 0; w < per_sample_w; ++w) total += dw[n * per_sample_w + w] * dw[n * per_sample_w + w];
                for (int64_t o = 0; bias && o < d.out_channels; ++o) {
                    double db = 0;
                    for (int64_t p = 0; p < oh * ow; ++p) db += dy[(n * d.out_channels + o) * oh * ow + p];
                    total += db * db;
                }
                want[n] = total;
            }
            for (int32_t method : {0, 1}) {
                std::vector<float> sq1 = start, sq2 = start;
                EXPECT_OK(anvil_conv2d_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), bias, method, sq1.data()));
                EXPECT_OK(anvil_conv2d_per_sample_sq_norms(ctxs.two, &d, x.data(), dy.data(), bias, method, sq2.data()));
                const char* what = method == 0 ? "conv2d norms, per-sample gradients" : "conv2d ghost norms";
                EXPECT(test::all_close(sq1, want, 1e-5, 1e-5, what));
                EXPECT(sq1 == sq2);
            }
        }
    }
    const anvil_conv2d_desc d = cases[0];
    std::vector<float> x(3 * 2 * 7 * 6), dy(3 * 4 * 7 * 6), sq(3);
    EXPECT_ERROR(anvil_conv2d_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 1, 2, sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "method must be 0");
    EXPECT_ERROR(anvil_conv2d_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 3, 0, sq.data()), ANVIL_ERR_INVALID_ARGUMENT,
                 "bias must be 0 or 1");
    EXPECT_ERROR(anvil_conv2d_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 1, 0, nullptr), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq is NULL");
    EXPECT_ERROR(anvil_conv2d_per_sample_sq_norms(ctxs.one, &d, x.data(), dy.data(), 1, 1, dy.data() + 2), ANVIL_ERR_INVALID_ARGUMENT,
                 "sq and dy overlap");
    const anvil_conv2d_desc wide{1, 1, 200, 200, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1};
    std::vector<float> big(200 * 200);
    EXPECT_ERROR(anvil_conv2d_per_sample_sq_norms(ctxs.one, &wide, big.data(), big.data(), 0, 1, sq.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "too many");
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
        test_conv2d(ctxs);
        test_groupnorm(ctxs);
    }
    return test::finish();
}
