// Element-wise CPU kernels: contiguous loops the compiler vectorises, split across the pool.
#include <algorithm>
#include <cstring>

#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {
// Below this many elements a loop is not worth waking the other threads for.
constexpr int64_t kGrain = 1 << 15;
}  // namespace

void fill(anvil_context& ctx, int64_t n, float value, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = value;
    });
}

void copy(anvil_context& ctx, int64_t n, const float* x, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        std::memcpy(y + b, x + b, static_cast<size_t>(e - b) * sizeof(float));
    });
}

void scale(anvil_context& ctx, int64_t n, float alpha, float* x) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) x[i] *= alpha;
    });
}

void axpy(anvil_context& ctx, int64_t n, float alpha, const float* x, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] += alpha * x[i];
    });
}

void add(anvil_context& ctx, int64_t n, const float* a, const float* b, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) y[i] = a[i] + b[i];
    });
}

void copy_rows(anvil_context& ctx, int64_t rows, int64_t cols, const float* src, int64_t src_stride, float* dst,
               int64_t dst_stride) {
    parallel_for(ctx.pool, rows, std::max<int64_t>(1, kGrain / cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(cols) * sizeof(float));
    });
}

}  // namespace anvil::cpu
