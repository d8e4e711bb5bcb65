// Batch normalisation over channels, forward and backward, twin of cpu/batchnorm.cpp: one block per
// channel computes the channel's statistics (sums in double, each thread a fixed stride, then a tree
// in shared memory: deterministic, and close to the CPU's), then normalises or differentiates the
// channel's elements. The fused ReLU's mask is written a 16-bit word (16 elements of a run) per
// thread, so that no two threads share a word.
#include <cstdint>

#include "shapes.h"

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

// The elements of channel c: `batch` runs of `spatial` floats, `stride` floats apart, and the
// words of the ReLU's mask that belong to them, `mask_stride` apart from `mask_offset`.
struct Channel {
    int64_t batch, spatial, stride, offset, words, mask_stride, mask_offset;
    __device__ int64_t count() const { return batch * spatial; }
    // The k-th element of the channel.
    __device__ int64_t at(int64_t k) const { return offset + (k / spatial) * stride + k % spatial; }
    // Whether the mask passes the gradient of the k-th element.
    __device__ bool passes(const uint16_t* mask, int64_t k) const {
        const int64_t n = k / spatial, s = k % spatial;
        return (mask[mask_offset + n * mask_stride + s / 16] >> (s % 16) & 1u) != 0;
    }
};

__device__ Channel channel(const anvil_batchnorm_desc& d, int64_t c) {
    const int64_t words = relu_mask_words_per_run(d.spatial);
    return {d.batch, d.spatial, d.channels * d.spatial, c * d.spatial, words, words, c * d.batch * words};
}

__global__ void __launch_bounds__(kThreads) forward_kernel(anvil_batchnorm_desc d, const float* x, const float* residual,
                                                           const float* gamma, const float* beta, float* running_mean,
                                                           float* running_var, float* save_mean, float* save_invstd,
                                                           float* y, uint16_t* mask) {
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
    // The ReLU keeps a NaN, as on the CPU and in PyTorch (fmaxf would make it 0).
    if (mask == nullptr) {
        for (int64_t k = threadIdx.x; k < ch.count(); k += kThreads) {
            const int64_t i = ch.at(k);
            const float v = a * x[i] + b + (residual != nullptr ? residual[i] : 0.0f);
            y[i] = d.relu && v < 0.0f ? 0.0f : v;
        }
        return;
    }
    // With the mask (and the ReLU): a word of 16 elements of a run per thread; a NaN passes.
    for (int64_t w = threadIdx.x; w < ch.batch * ch.words; w += kThreads) {
        const int64_t n = w / ch.words, s0 = w % ch.words * 16;
        unsigned word = 0;
        for (int64_t s = s0; s < s0 + 16 && s < ch.spatial; ++s) {
            const int64_t i = ch.offset + n * ch.stride + s;
            const float v = a * x[i] + b + (residual != nullptr ? residual[i] : 0.0f);
            const float out = v < 0.0f ? 0.0f : v;
            y[i] = out;
            if (!(out <= 0.0f)) word |= 1u << (s - s0);
        }
        mask[ch.mask_offset + n * ch.mask_stride + w % ch.words] = static_cast<uint16_t>(word);
    }
}

__global__ void __launch_bounds__(kThreads) backward_kernel(anvil_batchnorm_desc d, const float* x, const uint16_t* mask,
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
        const double g = mask != nullptr && !ch.passes(mask, k) ? 0.0 : static_cast<double>(dy[i]);
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
        const double g = mask != nullptr && !ch.passes(mask, k) ? 0.0 : static_cast<double>(dy[i]);
        dx[i] = static_cast<float>(scale * (g - k1 - (x[i] - mean) * invstd * k2));
        if (dresidual != nullptr) dresidual[i] = static_cast<float>(g);
    }
}

}  // namespace

void batchnorm_forward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* residual,
                       const float* gamma, const float* beta, float* running_mean, float* running_var, float* save_mean,
                       float* save_invstd, float* y, uint16_t* relu_mask) {
    forward_kernel<<<static_cast<unsigned>(d.channels), kThreads, 0, enter(ctx)>>>(
        d, x, residual, gamma, beta, running_mean, running_var, save_mean, save_invstd, y, relu_mask);
    ANVIL_CUDA_LAUNCHED("batchnorm_forward kernel, %lld channels", static_cast<long long>(d.channels));
}

void batchnorm_backward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const uint16_t* relu_mask, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd, float* dx, float* dresidual,
                        float* dgamma, float* dbeta, bool accumulate) {
    backward_kernel<<<static_cast<unsigned>(d.channels), kThreads, 0, enter(ctx)>>>(
        d, x, relu_mask, dy, gamma, save_mean, save_invstd, dx, dresidual, dgamma, dbeta, accumulate);
    ANVIL_CUDA_LAUNCHED("batchnorm_backward kernel, %lld channels", static_cast<long long>(d.channels));
}

}  // namespace anvil::cuda
