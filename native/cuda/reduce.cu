// Reductions of the tensor API on the GPU: one thread per output, summing in double in index order
// (the CPU's order, so both backends agree to the last bit of the double sum); top-k with one
// thread per row selecting the next element of torch.topk's order k times (rows are short in the
// uses this serves: classes of a classifier).
#include <cstdint>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "tensor_math.h"

namespace anvil::cuda {

namespace {

__global__ void reduce_kernel(int32_t op, int64_t outer, int64_t size, int64_t inner, const float* x, float* y) {
    ANVIL_GRID_STRIDE(j, outer * inner) {
        const float* p = x + (j / inner) * size * inner + j % inner;
        if (op == ANVIL_REDUCE_MAX) {
            float best = p[0];
            for (int64_t s = 1; s < size && best == best; ++s) {
                const float v = p[s * inner];
                if (v > best || v != v) best = v;
            }
            y[j] = best;
        } else {
            double sum = 0.0;
            for (int64_t s = 0; s < size; ++s) sum += p[s * inner];
            y[j] = static_cast<float>(op == ANVIL_REDUCE_MEAN ? sum / static_cast<double>(size) : sum);
        }
    }
}

__global__ void topk_kernel(int64_t rows, int64_t cols, int64_t k, const float* x, float* values, int32_t* indices) {
    ANVIL_GRID_STRIDE(r, rows) {
        const float* row = x + r * cols;
        float last = 0.0f;
        int64_t last_at = -1;
        for (int64_t t = 0; t < k; ++t) {
            // The first element in the order that comes after the previous pick.
            int64_t best_at = -1;
            for (int64_t c = 0; c < cols; ++c) {
                if (last_at >= 0 && !topk_before(last, last_at, row[c], c)) continue;
                if (best_at < 0 || topk_before(row[c], c, row[best_at], best_at)) best_at = c;
            }
            last = row[best_at];
            last_at = best_at;
            values[r * k + t] = last;
            if (indices != nullptr) indices[r * k + t] = static_cast<int32_t>(best_at);
        }
    }
}

}  // namespace

void reduce(anvil_context& ctx, int32_t op, int64_t outer, int64_t size, int64_t inner, const float* x, float* y) {
    reduce_kernel<<<blocks_for(outer * inner), kThreads, 0, enter(ctx)>>>(op, outer, size, inner, x, y);
    ANVIL_CUDA_LAUNCHED("reduce kernel (op %d), %lld x %lld x %lld", op, static_cast<long long>(outer), static_cast<long long>(size),
                        static_cast<long long>(inner));
}

void topk(anvil_context& ctx, int64_t rows, int64_t cols, int64_t k, const float* x, float* values, int32_t* indices) {
    topk_kernel<<<blocks_for(rows), kThreads, 0, enter(ctx)>>>(rows, cols, k, x, values, indices);
    ANVIL_CUDA_LAUNCHED("topk kernel, rows=%lld cols=%lld k=%lld", static_cast<long long>(rows), static_cast<long long>(cols),
                        static_cast<long long>(k));
}

}  // namespace anvil::cuda
