// Batch normalisation over channels, forward and backward, twin of cpu/batchnorm.cpp: one block per
// channel computes the channel's statistics (sums in double, each thread a fixed stride, then a tree
// in shared memory: deterministic, and close to the CPU's), then normalises or differentiates the
// channel's elements.
#include <cstdint>

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

// The elements of channel c: `batch` runs of `spatial` floats, `stride` floats apart.
struct Channel {
    int64_t batch, spatial, stride, offset;
    __device__ int64_t count() const { return batch * spatial; }
    // The k-th element of the channel.
    __device__ int64_t at(int64_t k) const { return offset + (k / spatial) * stride + k % spatial; }
};

__device__ Channel channel(const anvil_batchnorm_desc& d, int64_t c) {
    return {d.batch, d.spatial, d.channels * d.spatial, c * d.spatial};
}

__global__ void __launch_bounds__(kThreads) forward_kernel(anvil_batchnorm_desc d, const float* x, const float* residual,
                                                           const float* gamma, const float* beta, float* running_mean,
                                                           float* running_var, float* save_mean, float* save_invstd,
                                                           float* y) {
    __shared__ double partial[kThreads];
    const int64_t c = blockIdx.x;
    const Channel ch = channel(d, c);
    double mean, invstd;
    if (d.training) {
        const double m = static_cast<double>(ch.count());
        double local = 0.0;
        for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) local += x[ch.at(k)];
        mean = block_sum(local, partial) / m;
        local = 0.0;
        for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) {
            const double v = x[ch.at(k)] - mean;
            local += v * v;
        }
        const double var = block_sum(local, partial) / m;
        invstd = 1.0 / sqrt(var + d.eps);
        if (threadIdx.x == 0 && running_mean != nullptr) {
            running_mean[c] = static_cast<float>((1.0 - d.momentum) * running_mean[c] + d.momentum * mean);
            running_var[c] = static_cast<float>((1.0 - d.momentum) * running_var[c] + d.momentum * var * m / (m - 1.0));
        }
    } else {
        mean = running_mean[c];
        invstd = 1.0 / sqrt(static_cast<double>(running_var[c]) + d.eps);
    }
    if (threadIdx.x == 0) {
        save_mean[c] = static_cast<float>(mean);
        save_invstd[c] = static_cast<float>(invstd);
    }
    const float a = static_cast<float>((gamma != nullptr ? gamma[c] : 1.0) * invstd);
    const float b = static_cast<float>((beta != nullptr ? beta[c] : 0.0) - mean * a);
    for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) {
        const int64_t i = ch.at(k);
        const float v = a * x[i] + b + (residual != nullptr ? residual[i] : 0.0f);
        y[i] = d.relu ? fmaxf(v, 0.0f) : v;
    }
}

__global__ void __launch_bounds__(kThreads) backward_kernel(anvil_batchnorm_desc d, const float* x, const float* y,
                                                            const float* dy, const float* gamma, const float* save_mean,
                                                            const float* save_invstd, float* dx, float* dresidual,
                                                            float* dgamma, float* dbeta, bool accumulate) {
    __shared__ double partial[kThreads];
    const int64_t c = blockIdx.x;
    const Channel ch = channel(d, c);
    const double mean = save_mean[c], invstd = save_invstd[c];
    double local_g = 0.0, local_gx = 0.0;
    for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) {
        const int64_t i = ch.at(k);
        const double g = d.relu && y[i] <= 0.0f ? 0.0 : static_cast<double>(dy[i]);
        local_g += g;
        local_gx += g * (x[i] - mean) * invstd;
    }
    const double sum_g = block_sum(local_g, partial);
    const double sum_gx = block_sum(local_gx, partial);
    if (threadIdx.x == 0 && dgamma != nullptr) {
        dgamma[c] = static_cast<float>(sum_gx + (accumulate ? dgamma[c] : 0.0));
        dbeta[c] = static_cast<float>(sum_g + (accumulate ? dbeta[c] : 0.0));
    }
    const double scale = (gamma != nullptr ? gamma[c] : 1.0) * invstd;
    const double m = static_cast<double>(ch.count());
    const double k1 = d.training ? sum_g / m : 0.0, k2 = d.training ? sum_gx / m : 0.0;
    for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) {
        const int64_t i = ch.at(k);
        const double g = d.relu && y[i] <= 0.0f ? 0.0 : static_cast<double>(dy[i]);
        dx[i] = static_cast<float>(scale * (g - k1 - (x[i] - mean) * invstd * k2));
        if (dresidual != nullptr) dresidual[i] = static_cast<float>(g);
    }
}

}  // namespace

void batchnorm_forward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* residual,
                       const float* gamma, const float* beta, float* running_mean, float* running_var, float* save_mean,
                       float* save_invstd, float* y) {
    forward_kernel<<<static_cast<unsigned>(d.channels), kThreads, 0, enter(ctx)>>>(
        d, x, residual, gamma, beta, running_mean, running_var, save_mean, save_invstd, y);
    ANVIL_CUDA_LAUNCHED("batchnorm_forward kernel, %lld channels", static_cast<long long>(d.channels));
}

void batchnorm_backward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* y, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd, float* dx, float* dresidual,
                        float* dgamma, float* dbeta, bool accumulate) {
    backward_kernel<<<static_cast<unsigned>(d.channels), kThreads, 0, enter(ctx)>>>(
        d, x, y, dy, gamma, save_mean, save_invstd, dx, dresidual, dgamma, dbeta, accumulate);
    ANVIL_CUDA_LAUNCHED("batchnorm_backward kernel, %lld channels", static_cast<long long>(d.channels));
}

}  // namespace anvil::cuda
