// Per-sample squared gradient norms for differentially private training, twin of
// cpu/per_sample_norms.cpp: one block per sample, sums in double by block_sum (a fixed order, so
// results do not vary between runs), and the block's first thread adds the sample's total to sq.
#include <cstdint>

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

__global__ void __launch_bounds__(kThreads) linear_kernel(anvil_linear_desc d, const float* x, const float* dy, bool bias,
                                                          float* sq) {
    __shared__ double partial[kThreads];
    const int64_t i = blockIdx.x;
    double lx = 0.0, lg = 0.0;
    for (int64_t k = threadIdx.x; k < d.in_features; k += kThreads) {
        const double v = x[i * d.in_features + k];
        lx += v * v;
    }
    for (int64_t k = threadIdx.x; k < d.out_features; k += kThreads) {
        const double v = dy[i * d.out_features + k];
        lg += v * v;
    }
    const double xx = block_sum(lx, partial), gg = block_sum(lg, partial);
    if (threadIdx.x == 0) sq[i] = static_cast<float>(sq[i] + gg * xx + (bias ? gg : 0.0));
}

__global__ void __launch_bounds__(kThreads) groupnorm_kernel(anvil_groupnorm_desc d, const float* x, const float* dy, float* sq) {
    __shared__ double partial[kThreads];
    const int64_t i = blockIdx.x, per_group = d.channels / d.groups, count = per_group * d.spatial;
    double total = 0.0;
    for (int64_t g = 0; g < d.groups; ++g) {
        const int64_t offset = (i * d.channels + g * per_group) * d.spatial;
        double local = 0.0;
        for (int64_t k = threadIdx.x; k < count; k += kThreads) local += x[offset + k];
        const double mean = block_sum(local, partial) / static_cast<double>(count);
        local = 0.0;
        for (int64_t k = threadIdx.x; k < count; k += kThreads) {
            const double v = x[offset + k] - mean;
            local += v * v;
        }
        const double invstd = 1.0 / sqrt(block_sum(local, partial) / static_cast<double>(count) + d.eps);
        for (int64_t c = 0; c < per_group; ++c) {
            const int64_t base = offset + c * d.spatial;
            double lw = 0.0, lb = 0.0;
            for (int64_t s = threadIdx.x; s < d.spatial; s += kThreads) {
                lw += static_cast<double>(dy[base + s]) * (x[base + s] - mean);
                lb += dy[base + s];
            }
            const double dgamma = block_sum(lw, partial) * invstd, dbeta = block_sum(lb, partial);
            total += dgamma * dgamma + dbeta * dbeta;
        }
    }
    if (threadIdx.x == 0) sq[i] = static_cast<float>(sq[i] + total);
}

}  // namespace

void linear_per_sample_sq_norms(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy, bool bias,
                                float* sq) {
    linear_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(d, x, dy, bias, sq);
    ANVIL_CUDA_LAUNCHED("linear_per_sample_sq_norms kernel, batch %lld", static_cast<long long>(d.batch));
}

void groupnorm_per_sample_sq_norms(anvil_context& ctx, const anvil_groupnorm_desc& d, const float* x, const float* dy,
                                   float* sq) {
    groupnorm_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(d, x, dy, sq);
    ANVIL_CUDA_LAUNCHED("groupnorm_per_sample_sq_norms kernel, batch %lld", static_cast<long long>(d.batch));
}

}  // namespace anvil::cuda
