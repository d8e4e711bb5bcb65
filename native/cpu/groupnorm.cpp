// Group normalisation, forward and backward: each (sample, group) is normalised on its own, so the
// threads split the (sample, group) pairs; the parameter gradients, sums over the samples, split the
// channels. Every sum runs in one fixed order, in double: results do not depend on the thread count.
#include <cmath>

#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {

// Elements of one (sample, group): `count` contiguous floats from `offset` (a group's channels are
// adjacent in NCHW).
struct Slice {
    int64_t offset, count, first_channel;
};

Slice slice(const anvil_groupnorm_desc& d, int64_t ng) {
    const int64_t per_group = d.channels / d.groups, n = ng / d.groups, g = ng % d.groups;
    return {(n * d.channels + g * per_group) * d.spatial, per_group * d.spatial, g * per_group};
}

// Mean and 1 / sqrt(biased variance + eps) of `count` floats, in double.
struct Stats {
    double mean, invstd;
};

Stats statistics(const float* xs, int64_t count, float eps) {
    double sum = 0.0;
    for (int64_t i = 0; i < count; ++i) sum += xs[i];
    const double mean = sum / static_cast<double>(count);
    double sq = 0.0;
    for (int64_t i = 0; i < count; ++i) sq += (xs[i] - mean) * (xs[i] - mean);
    return {mean, 1.0 / std::sqrt(sq / static_cast<double>(count) + eps)};
}

}  // namespace

void groupnorm_forward(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* gamma, const float* beta,
                       float* save_mean, float* save_invstd, float* y) {
    parallel_for(ctx.pool, d.batch * d.groups, 1, [&](int64_t b, int64_t e) {
        for (int64_t ng = b; ng < e; ++ng) {
            const Slice s = slice(d, ng);
            const float* xs = x + s.offset;
            const auto [mean, invstd] = statistics(xs, s.count, d.eps);
            save_mean[ng] = static_cast<float>(mean);
            save_invstd[ng] = static_cast<float>(invstd);
            float* ys = y + s.offset;
            for (int64_t i = 0; i < s.count; ++i) {
                const int64_t c = s.first_channel + i / d.spatial;
                const double v = (xs[i] - mean) * invstd;
                ys[i] = static_cast<float>(gamma != nullptr ? gamma[c] * v + beta[c] : v);
            }
        }
    });
}

void groupnorm_backward(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy, const float* gamma,
                        const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                        bool accumulate) {
    // dx per (sample, group): with h = dy * gamma, dx = invstd * (h - mean(h) - xhat * mean(h * xhat)).
    parallel_for(ctx.pool, d.batch * d.groups, 1, [&](int64_t b, int64_t e) {
        for (int64_t ng = b; ng < e; ++ng) {
            const Slice s = slice(d, ng);
            const double mean = save_mean[ng], invstd = save_invstd[ng];
            const float *xs = x + s.offset, *dys = dy + s.offset;
            double sum_h = 0.0, sum_hx = 0.0;
            for (int64_t i = 0; i < s.count; ++i) {
                const double h = gamma != nullptr ? dys[i] * gamma[s.first_channel + i / d.spatial] : dys[i];
                sum_h += h;
                sum_hx += h * (xs[i] - mean) * invstd;
            }
            const double m = static_cast<double>(s.count), k1 = sum_h / m, k2 = sum_hx / m;
            float* dxs = dx + s.offset;
            for (int64_t i = 0; i < s.count; ++i) {
                const double h = gamma != nullptr ? dys[i] * gamma[s.first_channel + i / d.spatial] : dys[i];
                dxs[i] = static_cast<float>(invstd * (h - k1 - (xs[i] - mean) * invstd * k2));
            }
        }
    });
    if (dgamma == nullptr) return;
    const int64_t per_group = d.channels / d.groups;
    parallel_for(ctx.pool, d.channels, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            double sum_g = 0.0, sum_gx = 0.0;
            for (int64_t n = 0; n < d.batch; ++n) {
                const int64_t ng = n * d.groups + c / per_group, off = (n * d.channels + c) * d.spatial;
                const double mean = save_mean[ng], invstd = save_invstd[ng];
                for (int64_t k = 0; k < d.spatial; ++k) {
                    sum_g += dy[off + k];
                    sum_gx += dy[off + k] * (x[off + k] - mean) * invstd;
                }
            }
            dgamma[c] = static_cast<float>(sum_gx + (accumulate ? dgamma[c] : 0.0));
            dbeta[c] = static_cast<float>(sum_g + (accumulate ? dbeta[c] : 0.0));
        }
    });
}

void groupnorm_per_sample_sq_norms(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy,
                                   float* sq) {
    // Per sample: its groups' statistics, then per channel the gamma and beta gradients of the sample alone.
    parallel_for(ctx.pool, d.batch, 1, [&](int64_t b, int64_t e) {
        for (int64_t n = b; n < e; ++n) {
            double total = 0.0;
            for (int64_t g = 0; g < d.groups; ++g) {
                const Slice s = slice(d, n * d.groups + g);
                const float *xs = x + s.offset, *dys = dy + s.offset;
                const auto [mean, invstd] = statistics(xs, s.count, d.eps);
                for (int64_t c0 = 0; c0 < s.count; c0 += d.spatial) {
                    double dgamma = 0.0, dbeta = 0.0;
                    for (int64_t i = c0; i < c0 + d.spatial; ++i) {
                        dgamma += dys[i] * (xs[i] - mean);
                        dbeta += dys[i];
                    }
                    dgamma *= invstd;
                    total += dgamma * dgamma + dbeta * dbeta;
                }
            }
            sq[n] = static_cast<float>(sq[n] + total);
        }
    });
}

}  // namespace anvil::cpu
