// Element-wise CPU kernels: contiguous loops the compiler vectorises, split across the pool; the
// sum of squares (gradient norms) in a fixed order.
#include <algorithm>
#include <cstring>

#include "cpu/kernels.h"
#include "tensor_math.h"

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

void binary(anvil_context& ctx, int32_t op, int64_t n, const float* a, const float* b, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t lo, int64_t hi) {
        // One loop per op, so that each vectorises.
        switch (op) {
            case ANVIL_BINARY_ADD: for (int64_t i = lo; i < hi; ++i) y[i] = a[i] + b[i]; break;
            case ANVIL_BINARY_SUB: for (int64_t i = lo; i < hi; ++i) y[i] = a[i] - b[i]; break;
            case ANVIL_BINARY_MUL: for (int64_t i = lo; i < hi; ++i) y[i] = a[i] * b[i]; break;
            default: for (int64_t i = lo; i < hi; ++i) y[i] = binary_op(op, a[i], b[i]);
        }
    });
}

void clamp(anvil_context& ctx, int64_t n, float lo, float hi, float* x) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        // Comparisons that are false for NaN keep it, as torch.clamp does.
        for (int64_t i = b; i < e; ++i) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
    });
}

// kParts fixed slices of the input, each summed in double, added in slice order: the partition
// depends on n only, so the result is the same for any thread count.
double sum_squares(anvil_context& ctx, int64_t n, const float* x) {
    constexpr int64_t kParts = 64;
    double partial[kParts] = {};
    const int64_t slice = (n + kParts - 1) / kParts;
    const int64_t parts = (n + slice - 1) / slice;
    parallel_for(ctx.pool, parts, std::max<int64_t>(1, kGrain / slice), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const int64_t b = p * slice, e = std::min(n, b + slice);
            double sum = 0.0;
            for (int64_t i = b; i < e; ++i) sum += static_cast<double>(x[i]) * x[i];
            partial[p] = sum;
        }
    });
    double total = 0.0;
    for (int64_t p = 0; p < parts; ++p) total += partial[p];
    return total;
}

void copy_rows(anvil_context& ctx, int64_t rows, int64_t cols, const float* src, int64_t src_stride, float* dst,
               int64_t dst_stride) {
    parallel_for(ctx.pool, rows, std::max<int64_t>(1, kGrain / cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(cols) * sizeof(float));
    });
}

}  // namespace anvil::cpu
