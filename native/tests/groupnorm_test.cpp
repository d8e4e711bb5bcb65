// Group normalisation against a double transcription of its definition (Wu and He 2018, PyTorch's
// GroupNorm), gradients against finite differences, bit-identical results for 1 and 2 threads, and
// the arguments it refuses.
#include <cmath>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

struct Case {
    int64_t batch, channels, spatial, groups;
    bool affine;
};

std::vector<double> reference(const Case& k, const std::vector<float>& x, const std::vector<float>& gamma,
                              const std::vector<float>& beta) {
    std::vector<double> y(x.size());
    const int64_t per = k.channels / k.groups, count = per * k.spatial;
    for (int64_t n = 0; n < k.batch; ++n) {
        for (int64_t g = 0; g < k.groups; ++g) {
            const int64_t off = (n * k.channels + g * per) * k.spatial;
            double mean = 0, var = 0;
            for (int64_t i = 0; i < count; ++i) mean += x[off + i];
            mean /= count;
            for (int64_t i = 0; i < count; ++i) var += (x[off + i] - mean) * (x[off + i] - mean);
            var /= count;
            for (int64_t i = 0; i < count; ++i) {
                const int64_t c = g * per + i / k.spatial;
                const double v = (x[off + i] - mean) / std::sqrt(var + 1e-5);
                y[off + i] = k.affine ? gamma[c] * v + beta[c] : v;
            }
        }
    }
    return y;
}

void test_groupnorm(const Contexts& ctxs) {
    Rng rng(31);
    for (const Case& k : {Case{2, 6, 5, 3, true}, Case{1, 4, 9, 1, true}, Case{3, 4, 1, 4, false}, Case{2, 8, 4, 2, true}}) {
        const int64_t n = k.batch * k.channels * k.spatial;
        const anvil_groupnorm_desc d{k.batch, k.channels, k.spatial, k.groups, 1e-5f, 0};
        std::vector<float> x = rng.vector(n, -2.0f, 3.0f), gamma = rng.vector(k.channels, 0.5f, 1.5f),
                           beta = rng.vector(k.channels, -0.5f, 0.5f), mean(k.batch * k.groups), invstd(k.batch * k.groups),
                           y(n), y1(n), r = rng.vector(n), dx(n), dgamma(k.channels), dbeta(k.channels);
        const float* g = k.affine ? gamma.data() : nullptr;
        const float* b = k.affine ? beta.data() : nullptr;
        EXPECT_OK(anvil_groupnorm_forward(ctxs.two, &d, x.data(), g, b, mean.data(), invstd.data(), y.data()));
        EXPECT(test::all_close(y, reference(k, x, gamma, beta), 1e-5, 1e-5, "groupnorm y"));
        EXPECT_OK(anvil_groupnorm_forward(ctxs.one, &d, x.data(), g, b, mean.data(), invstd.data(), y1.data()));
        EXPECT(y == y1);
        EXPECT_OK(anvil_groupnorm_backward(ctxs.two, &d, x.data(), r.data(), g, mean.data(), invstd.data(), dx.data(),
                                           k.affine ? dgamma.data() : nullptr, k.affine ? dbeta.data() : nullptr, 0));
        std::vector<float> out(n), m2(mean.size()), i2(invstd.size());
        auto loss = [&] {
            EXPECT_OK(anvil_groupnorm_forward(ctxs.one, &d, x.data(), k.affine ? gamma.data() : nullptr,
                                              k.affine ? beta.data() : nullptr, m2.data(), i2.data(), out.data()));
            return test::weighted_sum(out, r);
        };
        EXPECT(test::all_close(dx, test::numeric_gradient(x, loss, 1e-3f), 2e-2, 2e-3, "groupnorm dx"));
        if (k.affine) {
            EXPECT(test::all_close(dgamma, test::numeric_gradient(gamma, loss, 1e-3f), 2e-2, 2e-3, "groupnorm dgamma"));
            EXPECT(test::all_close(dbeta, test::numeric_gradient(beta, loss, 1e-3f), 2e-2, 2e-3, "groupnorm dbeta"));
        }
    }
    const anvil_groupnorm_desc bad{2, 6, 5, 4, 1e-5f, 0};
    std::vector<float> x(60), s(8), y(60);
    EXPECT_ERROR(anvil_groupnorm_forward(ctxs.one, &bad, x.data(), nullptr, nullptr, s.data(), s.data(), y.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "divisible by groups");
    const anvil_groupnorm_desc ok{2, 6, 5, 3, 1e-5f, 0};
    EXPECT_ERROR(anvil_groupnorm_forward(ctxs.one, &ok, x.data(), nullptr, nullptr, s.data(), s.data(), y.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "save_mean and save_invstd overlap");
    EXPECT_ERROR(anvil_groupnorm_forward(ctxs.one, &ok, x.data(), nullptr, nullptr, s.data(), s.data() + 6, x.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "y and x overlap");
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_groupnorm(ctxs);
    }
    return test::finish();
}
