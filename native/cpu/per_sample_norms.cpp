// Per-sample squared gradient norms for differentially private training, added to sq[batch]:
// the threads split the samples, and each sample's sums run in one fixed order in double, so the
// result does not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {

// Sum of squares of n floats in double, four independent accumulators (a single one waits on
// each add).
double squares(const float* v, int64_t n) {
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 += static_cast<double>(v[i]) * v[i];
        a1 += static_cast<double>(v[i + 1]) * v[i + 1];
        a2 += static_cast<double>(v[i + 2]) * v[i + 2];
        a3 += static_cast<double>(v[i + 3]) * v[i + 3];
    }
    for (; i < n; ++i) a0 += static_cast<double>(v[i]) * v[i];
    return (a0 + a1) + (a2 + a3);
}

}  // namespace

void linear_per_sample_sq_norms(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy, bool bias,
                                float* sq) {
    const int64_t in = d.in_features, out = d.out_features;
    parallel_for(ctx.pool, d.batch, std::max<int64_t>(1, (1 << 14) / (in + out)), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const double xx = squares(x + i * in, in), gg = squares(dy + i * out, out);
            sq[i] = static_cast<float>(sq[i] + gg * xx + (bias ? gg : 0.0));
        }
    });
}

void groupnorm_per_sample_sq_norms(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy,
                                   float* sq) {
    const int64_t per_group = d.channels / d.groups, count = per_group * d.spatial;
    parallel_for(ctx.pool, d.batch, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            double total = 0.0;
            for (int64_t g = 0; g < d.groups; ++g) {
                const int64_t offset = (i * d.channels + g * per_group) * d.spatial;
                const float *xs = x + offset, *dys = dy + offset;
                double sum = 0.0;
                for (int64_t k = 0; k < count; ++k) sum += xs[k];
                const double mean = sum / static_cast<double>(count);
                double var = 0.0;
                for (int64_t k = 0; k < count; ++k) var += (xs[k] - mean) * (xs[k] - mean);
                const double invstd = 1.0 / std::sqrt(var / static_cast<double>(count) + d.eps);
                for (int64_t c = 0; c < per_group; ++c) {
                    double dgamma = 0.0, dbeta = 0.0;
                    for (int64_t s = c * d.spatial; s < (c + 1) * d.spatial; ++s) {
                        dgamma += dys[s] * (xs[s] - mean);
                        dbeta += dys[s];
                    }
                    dgamma *= invstd;
                    total += dgamma * dgamma + dbeta * dbeta;
                }
            }
            sq[i] = static_cast<float>(sq[i] + total);
        }
    });
}

}  // namespace anvil::cpu
