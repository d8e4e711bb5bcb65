// fill, copy, scale, axpy, add, copy_rows, clamp, sum of squares. Buffers from the caching allocator are 512-byte aligned, so the
// kernels use float4 when every pointer is 16-byte aligned (the common case) and scalars else.
#include <cstdint>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "cuda_backend.h"
#include "tensor_math.h"

namespace anvil::cuda {

namespace {

__global__ void fill_kernel(int64_t n, float value, float* y) {
    const int64_t n4 = n / 4;
    auto* y4 = reinterpret_cast<float4*>(y);
    ANVIL_GRID_STRIDE(i, n4) y4[i] = make_float4(value, value, value, value);
    ANVIL_GRID_STRIDE(i, n - n4 * 4) y[n4 * 4 + i] = value;
}

__global__ void fill_scalar_kernel(int64_t n, float value, float* y) {
    ANVIL_GRID_STRIDE(i, n) y[i] = value;
}

// y = alpha * x + beta * y; copy is (1, 0), axpy (alpha, 1), scale (alpha, 0) with x == y.
template <bool kVector>
__global__ void axpby_kernel(int64_t n, float alpha, const float* x, float beta, float* y) {
    int64_t tail = 0;
    if (kVector) {
        const int64_t n4 = n / 4;
        const auto* x4 = reinterpret_cast<const float4*>(x);
        auto* y4 = reinterpret_cast<float4*>(y);
        ANVIL_GRID_STRIDE(i, n4) {
            const float4 a = x4[i];
            float4 b = beta == 0.0f ? make_float4(0, 0, 0, 0) : y4[i];
            b.x = alpha * a.x + beta * b.x;
            b.y = alpha * a.y + beta * b.y;
            b.z = alpha * a.z + beta * b.z;
            b.w = alpha * a.w + beta * b.w;
            y4[i] = b;
        }
        tail = n4 * 4;
    }
    // beta == 0 must not read y: it may hold NaN garbage that 0 * NaN would keep.
    ANVIL_GRID_STRIDE(i, n - tail) {
        const int64_t k = tail + i;
        y[k] = alpha * x[k] + (beta == 0.0f ? 0.0f : beta * y[k]);
    }
}

void axpby(anvil_context& ctx, const char* op, int64_t n, float alpha, const float* x, float beta, float* y) {
    cudaStream_t stream = enter(ctx);
    if (aligned16(x) && aligned16(y)) {
        axpby_kernel<true><<<blocks_for((n + 3) / 4), kThreads, 0, stream>>>(n, alpha, x, beta, y);
    } else {
        axpby_kernel<false><<<blocks_for(n), kThreads, 0, stream>>>(n, alpha, x, beta, y);
    }
    ANVIL_CUDA_LAUNCHED("%s kernel, n=%lld", op, static_cast<long long>(n));
}
__global__ void add_kernel(int64_t n, const float* a, const float* b, float* y) {
    ANVIL_GRID_STRIDE(i, n) y[i] = a[i] + b[i];
}

__global__ void copy_rows_kernel(int64_t rows, int64_t cols, const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
    ANVIL_GRID_STRIDE(i, rows * cols) dst[(i / cols) * dst_stride + i % cols] = src[(i / cols) * src_stride + i % cols];
}

__global__ void binary_kernel(int32_t op, int64_t n, const float* a, const float* b, float* y) {
    ANVIL_GRID_STRIDE(i, n) y[i] = binary_op(op, a[i], b[i]);
}

__global__ void clamp_kernel(int64_t n, float lo, float hi, float* x) {
    // Comparisons that are false for NaN keep it, as torch.clamp does.
    ANVIL_GRID_STRIDE(i, n) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
}

// Sum of squares: kSumBlocks blocks of kThreads stride over x in a fixed pattern, each reduces in
// double by a fixed tree, and one thread adds the block sums in order: deterministic.
constexpr int kSumBlocks = 256;

__global__ void sum_squares_partial_kernel(int64_t n, const float* x, double* partial) {
    __shared__ double tree[kThreads];
    double local = 0.0;
    for (int64_t i = blockIdx.x * int64_t{kThreads} + threadIdx.x; i < n; i += int64_t{kSumBlocks} * kThreads) {
        local += static_cast<double>(x[i]) * x[i];
    }
    tree[threadIdx.x] = local;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) tree[threadIdx.x] += tree[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = tree[0];
}

__global__ void sum_partials_kernel(const double* partial, double* total) {
    double sum = 0.0;
    for (int b = 0; b < kSumBlocks; ++b) sum += partial[b];
    *total = sum;
}

}  // namespace

void fill(anvil_context& ctx, int64_t n, float value, float* y) {
    cudaStream_t stream = enter(ctx);
    if (aligned16(y)) {
        fill_kernel<<<blocks_for((n + 3) / 4), kThreads, 0, stream>>>(n, value, y);
    } else {
        fill_scalar_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, value, y);
    }
    ANVIL_CUDA_LAUNCHED("fill kernel, n=%lld", static_cast<long long>(n));
}

void copy(anvil_context& ctx, int64_t n, const float* x, float* y) {
    ANVIL_CUDA_CHECK(cudaMemcpyAsync(y, x, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice,
                                     enter(ctx)),
                     "copy of %lld floats", static_cast<long long>(n));
}

void scale(anvil_context& ctx, int64_t n, float alpha, float* x) { axpby(ctx, "scale", n, alpha, x, 0.0f, x); }

void axpy(anvil_context& ctx, int64_t n, float alpha, const float* x, float* y) {
    axpby(ctx, "axpy", n, alpha, x, 1.0f, y);
}

void copy_rows(anvil_context& ctx, int64_t rows, int64_t cols, const float* src, int64_t src_stride, float* dst,
               int64_t dst_stride) {
    copy_rows_kernel<<<blocks_for(rows * cols), kThreads, 0, enter(ctx)>>>(rows, cols, src, src_stride, dst, dst_stride);
    ANVIL_CUDA_LAUNCHED("copy_rows kernel, %lld x %lld", static_cast<long long>(rows), static_cast<long long>(cols));
}

void add(anvil_context& ctx, int64_t n, const float* a, const float* b, float* y) {
    add_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, a, b, y);
    ANVIL_CUDA_LAUNCHED("add kernel, n=%lld", static_cast<long long>(n));
}

void binary(anvil_context& ctx, int32_t op, int64_t n, const float* a, const float* b, float* y) {
    binary_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(op, n, a, b, y);
    ANVIL_CUDA_LAUNCHED("binary kernel (op %d), n=%lld", op, static_cast<long long>(n));
}

void clamp(anvil_context& ctx, int64_t n, float lo, float hi, float* x) {
    clamp_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, lo, hi, x);
    ANVIL_CUDA_LAUNCHED("clamp kernel, n=%lld", static_cast<long long>(n));
}

double sum_squares(anvil_context& ctx, int64_t n, const float* x) {
    cudaStream_t stream = enter(ctx);
    auto* scratch = static_cast<double*>(device_malloc(ctx, (kSumBlocks + 1) * sizeof(double)));
    double total = 0.0;
    try {
        sum_squares_partial_kernel<<<kSumBlocks, kThreads, 0, stream>>>(n, x, scratch);
        ANVIL_CUDA_LAUNCHED("sum_squares kernel, n=%lld", static_cast<long long>(n));
        sum_partials_kernel<<<1, 1, 0, stream>>>(scratch, scratch + kSumBlocks);
        ANVIL_CUDA_LAUNCHED("sum_squares total kernel, n=%lld", static_cast<long long>(n));
        ANVIL_CUDA_CHECK(cudaMemcpyAsync(&total, scratch + kSumBlocks, sizeof(double), cudaMemcpyDeviceToHost, stream),
                         "reading back the sum of squares");
        ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "sum_squares, n=%lld", static_cast<long long>(n));
    } catch (...) {
        device_free(ctx, scratch);
        throw;
    }
    device_free(ctx, scratch);
    return total;
}

}  // namespace anvil::cuda
