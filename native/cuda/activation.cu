// ReLU and inverted dropout. The dropout mask comes from core/dropout_mask.h, the function the
// CPU kernel uses, so both devices drop the same elements for the same seed.
#include <cstdint>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "activation_math.h"
#include "dropout_mask.h"

namespace anvil::cuda {

namespace {
// "x < 0 ? 0 : x" propagates NaN, as the CPU kernel does.
__device__ float relu(float x) { return x < 0.0f ? 0.0f : x; }
__device__ float relu_grad(float y, float dy) { return y > 0.0f ? dy : 0.0f; }

// With kVector (every pointer 16-byte aligned, as the caching allocator's blocks are) the bulk
// moves as float4s and the last n % 4 elements one by one.
template <bool kVector>
__global__ void relu_forward_kernel(int64_t n, const float* x, float* y) {
    const int64_t n4 = kVector ? n / 4 : 0;
    if (kVector) {
        ANVIL_GRID_STRIDE(i, n4) {
            const float4 v = reinterpret_cast<const float4*>(x)[i];
            reinterpret_cast<float4*>(y)[i] = make_float4(relu(v.x), relu(v.y), relu(v.z), relu(v.w));
        }
    }
    ANVIL_GRID_STRIDE(i, n - n4 * 4) y[n4 * 4 + i] = relu(x[n4 * 4 + i]);
}

template <bool kVector>
__global__ void relu_backward_kernel(int64_t n, const float* y, const float* dy, float* dx) {
    const int64_t n4 = kVector ? n / 4 : 0;
    if (kVector) {
        ANVIL_GRID_STRIDE(i, n4) {
            const float4 a = reinterpret_cast<const float4*>(y)[i], g = reinterpret_cast<const float4*>(dy)[i];
            reinterpret_cast<float4*>(dx)[i] =
                make_float4(relu_grad(a.x, g.x), relu_grad(a.y, g.y), relu_grad(a.z, g.z), relu_grad(a.w, g.w));
        }
    }
    ANVIL_GRID_STRIDE(i, n - n4 * 4) dx[n4 * 4 + i] = relu_grad(y[n4 * 4 + i], dy[n4 * 4 + i]);
}

__global__ void dropout_kernel(int64_t n, DropoutMask mask, float scale, const float* x, float* y) {
    ANVIL_GRID_STRIDE(i, n) y[i] = mask.keep_index(static_cast<uint64_t>(i)) ? x[i] * scale : 0.0f;
}

void apply_dropout(anvil_context& ctx, const char* op, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    if (p == 0.0f) {
        if (x != y) copy(ctx, n, x, y);
        return;
    }
    dropout_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, DropoutMask(p, seed), 1.0f / (1.0f - p), x, y);
    ANVIL_CUDA_LAUNCHED("%s kernel, n=%lld", op, static_cast<long long>(n));
}
__global__ void activation_forward_kernel(int32_t kind, float alpha, int64_t n, const float* x, float* y) {
    ANVIL_GRID_STRIDE(i, n) y[i] = activation(kind, alpha, x[i]);
}

__global__ void activation_backward_kernel(int32_t kind, float alpha, int64_t n, const float* x, const float* y,
                                           const float* dy, float* dx) {
    ANVIL_GRID_STRIDE(i, n) dx[i] = activation_derivative(kind, alpha, x[i], y[i]) * dy[i];
}

}  // namespace

void relu_forward(anvil_context& ctx, int64_t n, const float* x, float* y) {
    if (aligned16(x) && aligned16(y)) {
        relu_forward_kernel<true><<<blocks_for((n + 3) / 4), kThreads, 0, enter(ctx)>>>(n, x, y);
    } else {
        relu_forward_kernel<false><<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, x, y);
    }
    ANVIL_CUDA_LAUNCHED("relu_forward kernel, n=%lld", static_cast<long long>(n));
}

void relu_backward(anvil_context& ctx, int64_t n, const float* y, const float* dy, float* dx) {
    if (aligned16(y) && aligned16(dy) && aligned16(dx)) {
        relu_backward_kernel<true><<<blocks_for((n + 3) / 4), kThreads, 0, enter(ctx)>>>(n, y, dy, dx);
    } else {
        relu_backward_kernel<false><<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, y, dy, dx);
    }
    ANVIL_CUDA_LAUNCHED("relu_backward kernel, n=%lld", static_cast<long long>(n));
}

void dropout_forward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    apply_dropout(ctx, "dropout_forward", n, p, seed, x, y);
}

void dropout_backward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx) {
    apply_dropout(ctx, "dropout_backward", n, p, seed, dy, dx);
}

void activation_forward(anvil_context& ctx, int32_t kind, float alpha, int64_t n, const float* x, float* y) {
    activation_forward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(kind, alpha, n, x, y);
    ANVIL_CUDA_LAUNCHED("activation_forward kernel (kind %d), n=%lld", kind, static_cast<long long>(n));
}

void activation_backward(anvil_context& ctx, int32_t kind, float alpha, int64_t n, const float* x, const float* y,
                         const float* dy, float* dx) {
    activation_backward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(kind, alpha, n, x, y, dy, dx);
    ANVIL_CUDA_LAUNCHED("activation_backward kernel (kind %d), n=%lld", kind, static_cast<long long>(n));
}

}  // namespace anvil::cuda
