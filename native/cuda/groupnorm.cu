// Group normalisation, forward and backward, twin of cpu/groupnorm.cpp: one block per (sample,
// group) for the statistics and dx, one block per channel for the parameter gradients; sums in
// double, each thread a fixed stride, then a tree in shared memory (deterministic).
#include <cstdint>

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

// Mean and 1 / sqrt(biased variance + eps) of `count` floats at xs, summed by the whole block in
// double; every thread gets them.
__device__ void statistics(const float* xs, int64_t count, float eps, double* partial, double* mean, double* invstd) {
    double local = 0.0;
    for (int64_t i = threadIdx.x; i < count; i += kThreads) local += xs[i];
    const double m = block_sum(local, partial) / static_cast<double>(count);
    local = 0.0;
    for (int64_t i = threadIdx.x; i < count; i += kThreads) {
        const double v = xs[i] - m;
        local += v * v;
    }
    *mean = m;
    *invstd = 1.0 / sqrt(block_sum(local, partial) / static_cast<double>(count) + eps);
}

__global__ void __launch_bounds__(kThreads) forward_kernel(anvil_groupnorm_desc d, const float* x, const float* gamma,
                                                           const float* beta, float* save_mean, float* save_invstd, float* y) {
    __shared__ double partial[kThreads];
    const int64_t ng = blockIdx.x, per_group = d.channels / d.groups;
    const int64_t offset = ((ng / d.groups) * d.channels + (ng % d.groups) * per_group) * d.spatial, count = per_group * d.spatial;
    const int64_t first = (ng % d.groups) * per_group;
    double mean, invstd;
    statistics(x + offset, count, d.eps, partial, &mean, &invstd);
    if (threadIdx.x == 0) {
        save_mean[ng] = static_cast<float>(mean);
        save_invstd[ng] = static_cast<float>(invstd);
    }
    for (int64_t i = threadIdx.x; i < count; i += kThreads) {
        const int64_t c = first + i / d.spatial;
        const double v = (x[offset + i] - mean) * invstd;
        y[offset + i] = static_cast<float>(gamma != nullptr ? gamma[c] * v + beta[c] : v);
    }
}

__global__ void __launch_bounds__(kThreads) dx_kernel(anvil_groupnorm_desc d, const float* x, const float* dy, const float* gamma,
                                                      const float* save_mean, const float* save_invstd, float* dx) {
    __shared__ double partial[kThreads];
    const int64_t ng = blockIdx.x, per_group = d.channels / d.groups;
    const int64_t offset = ((ng / d.groups) * d.channels + (ng % d.groups) * per_group) * d.spatial, count = per_group * d.spatial;
    const int64_t first = (ng % d.groups) * per_group;
    const double mean = save_mean[ng], invstd = save_invstd[ng];
    double lh = 0.0, lhx = 0.0;
    for (int64_t i = threadIdx.x; i < count; i += kThreads) {
        const double h = gamma != nullptr ? dy[offset + i] * gamma[first + i / d.spatial] : dy[offset + i];
        lh += h;
        lhx += h * (x[offset + i] - mean) * invstd;
    }
    const double m = static_cast<double>(count);
    const double k1 = block_sum(lh, partial) / m, k2 = block_sum(lhx, partial) / m;
    for (int64_t i = threadIdx.x; i < count; i += kThreads) {
        const double h = gamma != nullptr ? dy[offset + i] * gamma[first + i / d.spatial] : dy[offset + i];
        dx[offset + i] = static_cast<float>(invstd * (h - k1 - (x[offset + i] - mean) * invstd * k2));
    }
}

__global__ void __launch_bounds__(kThreads) param_kernel(anvil_groupnorm_desc d, const float* x, const float* dy,
                                                         const float* save_mean, const float* save_invstd, float* dgamma,
                                                         float* dbeta, bool accumulate) {
    __shared__ double partial[kThreads];
    const int64_t c = blockIdx.x, per_group = d.channels / d.groups;
    double lg = 0.0, lgx = 0.0;
    for (int64_t k = threadIdx.x; k < d.batch * d.spatial; k += kThreads) {
        const int64_t n = k / d.spatial, ng = n * d.groups + c / per_group, i = (n * d.channels + c) * d.spatial + k % d.spatial;
        lg += dy[i];
        lgx += dy[i] * (x[i] - save_mean[ng]) * save_invstd[ng];
    }
    const double sg = block_sum(lg, partial), sgx = block_sum(lgx, partial);
    if (threadIdx.x == 0) {
        dgamma[c] = static_cast<float>(sgx + (accumulate ? dgamma[c] : 0.0));
        dbeta[c] = static_cast<float>(sg + (accumulate ? dbeta[c] : 0.0));
    }
}

// One block per sample: its groups' statistics, then per channel the gamma and beta gradients of the
// sample alone, squared and added up.
__global__ void __launch_bounds__(kThreads) per_sample_sq_norms_kernel(anvil_groupnorm_desc d, const float* x,
                                                                       const float* dy, float* sq) {
    __shared__ double partial[kThreads];
    const int64_t n = blockIdx.x, per_group = d.channels / d.groups, count = per_group * d.spatial;
    double total = 0.0;
    for (int64_t g = 0; g < d.groups; ++g) {
        const int64_t offset = (n * d.channels + g * per_group) * d.spatial;
        double mean, invstd;
        statistics(x + offset, count, d.eps, partial, &mean, &invstd);
        for (int64_t base = offset; base < offset + count; base += d.spatial) {
            double lw = 0.0, lb = 0.0;
            for (int64_t i = threadIdx.x; i < d.spatial; i += kThreads) {
                lw += static_cast<double>(dy[base + i]) * (x[base + i] - mean);
                lb += dy[base + i];
            }
            const double dgamma = block_sum(lw, partial) * invstd, dbeta = block_sum(lb, partial);
            total += dgamma * dgamma + dbeta * dbeta;
        }
    }
    if (threadIdx.x == 0) sq[n] = static_cast<float>(sq[n] + total);
}

}  // namespace

void groupnorm_forward(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* gamma, const float* beta,
                       float* save_mean, float* save_invstd, float* y) {
    forward_kernel<<<static_cast<unsigned>(d.batch * d.groups), kThreads, 0, enter(ctx)>>>(d, x, gamma, beta, save_mean,
                                                                                           save_invstd, y);
    ANVIL_CUDA_LAUNCHED("groupnorm_forward kernel, %lld groups", static_cast<long long>(d.batch * d.groups));
}

void groupnorm_backward(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy, const float* gamma,
                        const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                        bool accumulate) {
    cudaStream_t stream = enter(ctx);
    dx_kernel<<<static_cast<unsigned>(d.batch * d.groups), kThreads, 0, stream>>>(d, x, dy, gamma, save_mean, save_invstd, dx);
    ANVIL_CUDA_LAUNCHED("groupnorm_backward dx kernel, %lld groups", static_cast<long long>(d.batch * d.groups));
    if (dgamma == nullptr) return;
    param_kernel<<<static_cast<unsigned>(d.channels), kThreads, 0, stream>>>(d, x, dy, save_mean, save_invstd, dgamma, dbeta,
                                                                            accumulate);
    ANVIL_CUDA_LAUNCHED("groupnorm_backward parameter kernel, %lld channels", static_cast<long long>(d.channels));
}

void groupnorm_per_sample_sq_norms(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy,
                                   float* sq) {
    per_sample_sq_norms_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(d, x, dy, sq);
    ANVIL_CUDA_LAUNCHED("groupnorm_per_sample_sq_norms kernel, batch %lld", static_cast<long long>(d.batch));
}

}  // namespace anvil::cuda
