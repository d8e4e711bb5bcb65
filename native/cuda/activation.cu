// ReLU and inverted dropout. The dropout mask comes from core/dropout_mask.h, the function the
// CPU kernel uses, so both devices drop the same elements for the same seed.
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "dropout_mask.h"

namespace anvil::cuda {

namespace {
__global__ void relu_forward_kernel(int64_t n, const float* x, float* y) {
    // "x < 0 ? 0 : x" propagates NaN, as the CPU kernel does.
    ANVIL_GRID_STRIDE(i, n) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

__global__ void relu_backward_kernel(int64_t n, const float* y, const float* dy, float* dx) {
    ANVIL_GRID_STRIDE(i, n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
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
}  // namespace

void relu_forward(anvil_context& ctx, int64_t n, const float* x, float* y) {
    relu_forward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, x, y);
    ANVIL_CUDA_LAUNCHED("relu_forward kernel, n=%lld", static_cast<long long>(n));
}

void relu_backward(anvil_context& ctx, int64_t n, const float* y, const float* dy, float* dx) {
    relu_backward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, y, dy, dx);
    ANVIL_CUDA_LAUNCHED("relu_backward kernel, n=%lld", static_cast<long long>(n));
}

void dropout_forward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    apply_dropout(ctx, "dropout_forward", n, p, seed, x, y);
}

void dropout_backward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx) {
    apply_dropout(ctx, "dropout_backward", n, p, seed, dy, dx);
}

}  // namespace anvil::cuda
