// Batch normalisation over channels, forward and backward, as PyTorch's BatchNorm1d/2d. Each
// channel is independent, so the threads split the channels and every channel's sums run in one
// fixed order: the results do not depend on the thread count. Sums are kept in double, over eight
// lanes so that the adds do not wait on one another.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {

// The elements of channel c: `batch` runs of `spatial` floats, `stride` floats apart.
struct Channel {
    int64_t batch, spatial, stride, offset;
    int64_t count() const { return batch * spatial; }
};

Channel channel(const anvil_batchnorm_desc& d, int64_t c) {
    return {d.batch, d.spatial, d.channels * d.spatial, c * d.spatial};
}

// sum_i f(i) over the channel's elements, in double, eight lanes per run.
template <class F>
double channel_sum(const Channel& ch, F&& f) {
    double lanes[8] = {};
    double tail = 0.0;
    for (int64_t n = 0; n < ch.batch; ++n) {
        const int64_t base = ch.offset + n * ch.stride;
        int64_t s = 0;
        for (; s + 8 <= ch.spatial; s += 8) {
            for (int l = 0; l < 8; ++l) lanes[l] += f(base + s + l);
        }
        for (; s < ch.spatial; ++s) tail += f(base + s);
    }
    double total = tail;
    for (double v : lanes) total += v;
    return total;
}

}  // namespace

void batchnorm_forward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* gamma,
                       const float* beta, float* running_mean, float* running_var, float* save_mean, float* save_invstd,
                       float* y) {
    parallel_for(ctx.pool, d.channels, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const Channel ch = channel(d, c);
            double mean, invstd;
            if (d.training) {
                const double m = static_cast<double>(ch.count());
                mean = channel_sum(ch, [&](int64_t i) { return static_cast<double>(x[i]); }) / m;
                const double var = channel_sum(ch, [&](int64_t i) {
                    const double v = x[i] - mean;
                    return v * v;
                }) / m;
                invstd = 1.0 / std::sqrt(var + d.eps);
                if (running_mean != nullptr) {
                    running_mean[c] = static_cast<float>((1.0 - d.momentum) * running_mean[c] + d.momentum * mean);
                    running_var[c] = static_cast<float>((1.0 - d.momentum) * running_var[c] + d.momentum * var * m / (m - 1.0));
                }
            } else {
                mean = running_mean[c];
                invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + d.eps);
            }
            save_mean[c] = static_cast<float>(mean);
            save_invstd[c] = static_cast<float>(invstd);
            // y = a * x + b with a = gamma * invstd and b = beta - mean * a.
            const float a = static_cast<float>((gamma != nullptr ? gamma[c] : 1.0) * invstd);
            const float b = static_cast<float>((beta != nullptr ? beta[c] : 0.0) - mean * a);
            for (int64_t n = 0; n < ch.batch; ++n) {
                const float* xs = x + ch.offset + n * ch.stride;
                float* ys = y + ch.offset + n * ch.stride;
                if (d.relu) {
                    for (int64_t s = 0; s < ch.spatial; ++s) ys[s] = std::max(a * xs[s] + b, 0.0f);
                } else {
                    for (int64_t s = 0; s < ch.spatial; ++s) ys[s] = a * xs[s] + b;
                }
            }
        }
    });
}

void batchnorm_backward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* y, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                        float* dbeta, bool accumulate) {
    parallel_for(ctx.pool, d.channels, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const Channel ch = channel(d, c);
            const float mean = save_mean[c], invstd = save_invstd[c];
            // g: the gradient reaching the normalisation (through the fused ReLU's mask), kept in dx
            // for the second pass; both sums in one pass, in double over eight lanes.
            double sum_g[8] = {}, sum_gx[8] = {};
            for (int64_t n = 0; n < ch.batch; ++n) {
                const int64_t base = ch.offset + n * ch.stride;
                for (int64_t s = 0; s < ch.spatial; ++s) {
                    const int64_t i = base + s;
                    const float g = d.relu && y[i] <= 0.0f ? 0.0f : dy[i];
                    dx[i] = g;
                    sum_g[s & 7] += g;
                    sum_gx[s & 7] += static_cast<double>(g) * (x[i] - mean);
                }
            }
            double total_g = 0.0, total_gx = 0.0;
            for (int l = 0; l < 8; ++l) {
                total_g += sum_g[l];
                total_gx += sum_gx[l];
            }
            total_gx *= invstd;  // sum of g * xhat
            if (dgamma != nullptr) {
                dgamma[c] = static_cast<float>(total_gx + (accumulate ? dgamma[c] : 0.0));
                dbeta[c] = static_cast<float>(total_g + (accumulate ? dbeta[c] : 0.0));
            }
            // Training: dx = scale * (g - mean(g) - xhat * mean(g * xhat)); evaluation: dx = scale * g.
            const double m = static_cast<double>(ch.count());
            const float scale = static_cast<float>((gamma != nullptr ? gamma[c] : 1.0) * invstd);
            const float k1 = d.training ? static_cast<float>(total_g / m) : 0.0f;
            const float k2 = d.training ? static_cast<float>(total_gx / m * invstd) : 0.0f;  // per unit of (x - mean)
            for (int64_t n = 0; n < ch.batch; ++n) {
                const int64_t base = ch.offset + n * ch.stride;
                float* dxs = dx + base;
                const float* xs = x + base;
                for (int64_t s = 0; s < ch.spatial; ++s) dxs[s] = scale * (dxs[s] - k1 - (xs[s] - mean) * k2);
            }
        }
    });
}

}  // namespace anvil::cpu
