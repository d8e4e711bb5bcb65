// Per-sample squared gradient norms for differentially private training, twin of
// cpu/per_sample_norms.cpp (and of conv2d.cpp's conv2d_per_sample_sq_norms): one block per sample, sums in double by block_sum (a fixed order, so
// results do not vary between runs), and the block's first thread adds the sample's total to sq.
#include <cstdint>

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "shapes.h"

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

// A convolution's geometry on the device: the input value of column-matrix row k (channel of the group,
// tap) at output position p, zero in the padding.
struct ConvTaps {
    anvil_conv2d_desc d;
    int64_t out_h, out_w, group_in, group_out, k, p;

    __device__ float at(const float* xg, int64_t row, int64_t pos) const {
        const int64_t c = row / (d.kernel_h * d.kernel_w), kh = row / d.kernel_w % d.kernel_h, kw = row % d.kernel_w;
        const int64_t ih = pos / out_w * d.stride_h - d.pad_h + kh * d.dilation_h;
        const int64_t iw = pos % out_w * d.stride_w - d.pad_w + kw * d.dilation_w;
        if (ih < 0 || ih >= d.in_h || iw < 0 || iw >= d.in_w) return 0.0f;
        return xg[(c * d.in_h + ih) * d.in_w + iw];
    }
};

// One block per sample: method 0 sums the squares of the weight gradient's entries (o, k), each a dot product over
// the positions; method 1 sums (col^T col)[p, q] (dy^T dy)[p, q] over the pairs of positions.
__global__ void __launch_bounds__(kThreads) conv2d_kernel(ConvTaps t, const float* x, const float* dy, bool bias, int32_t method,
                                                          float* sq) {
    __shared__ double partial[kThreads];
    const int64_t i = blockIdx.x;
    double local = 0.0;
    for (int64_t g = 0; g < t.d.groups; ++g) {
        const float* xg = x + (i * t.d.in_channels + g * t.group_in) * t.d.in_h * t.d.in_w;
        const float* dyg = dy + (i * t.d.out_channels + g * t.group_out) * t.p;
        if (method == 0) {
            for (int64_t e = threadIdx.x; e < t.group_out * t.k; e += kThreads) {
                const int64_t o = e / t.k, row = e % t.k;
                double w = 0.0;
                for (int64_t pos = 0; pos < t.p; ++pos) w += static_cast<double>(dyg[o * t.p + pos]) * t.at(xg, row, pos);
                local += w * w;
            }
        } else {
            for (int64_t e = threadIdx.x; e < t.p * t.p; e += kThreads) {
                const int64_t pa = e / t.p, pb = e % t.p;
                double a = 0.0, b = 0.0;
                for (int64_t row = 0; row < t.k; ++row) a += static_cast<double>(t.at(xg, row, pa)) * t.at(xg, row, pb);
                for (int64_t o = 0; o < t.group_out; ++o) b += static_cast<double>(dyg[o * t.p + pa]) * dyg[o * t.p + pb];
                local += a * b;
            }
        }
        if (bias) {
            for (int64_t o = threadIdx.x; o < t.group_out; o += kThreads) {
                double db = 0.0;
                for (int64_t pos = 0; pos < t.p; ++pos) db += dyg[o * t.p + pos];
                local += db * db;
            }
        }
    }
    const double total = block_sum(local, partial);
    if (threadIdx.x == 0) sq[i] = static_cast<float>(sq[i] + total);
}

}  // namespace

void conv2d_per_sample_sq_norms(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy, bool bias,
                                int32_t method, float* sq) {
    ConvTaps t{d, conv2d_out_h(d), conv2d_out_w(d), d.in_channels / d.groups, d.out_channels / d.groups, 0, 0};
    t.k = t.group_in * d.kernel_h * d.kernel_w;
    t.p = t.out_h * t.out_w;
    conv2d_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(t, x, dy, bias, method, sq);
    ANVIL_CUDA_LAUNCHED("conv2d_per_sample_sq_norms kernel, batch %lld, method %d", static_cast<long long>(d.batch), method);
}

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
