// C ABI of the element-wise kernels: validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

extern "C" {

anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y) {
    return api_call("anvil_fill", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n > 0) require_data(c, y, "y");
        if (n > 0) ANVIL_DISPATCH(c, fill, n, value, y);
    });
}

anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y) {
    return api_call("anvil_copy", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", false);
        ANVIL_DISPATCH(c, copy, n, x, y);
    });
}

anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x) {
    return api_call("anvil_scale", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        ANVIL_DISPATCH(c, scale, n, alpha, x);
    });
}

anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y) {
    return api_call("anvil_axpy", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", false);
        ANVIL_DISPATCH(c, axpy, n, alpha, x, y);
    });
}

anvil_status anvil_clamp(anvil_context* ctx, int64_t n, float lo, float hi, float* x) {
    return api_call("anvil_clamp", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        ANVIL_REQUIRE(!std::isnan(lo) && !std::isnan(hi) && lo <= hi, "bounds must satisfy lo <= hi, got lo=%g hi=%g",
                      static_cast<double>(lo), static_cast<double>(hi));
        if (n == 0) return;
        require_data(c, x, "x");
        ANVIL_DISPATCH(c, clamp, n, lo, hi, x);
    });
}

anvil_status anvil_sum_squares(anvil_context* ctx, int64_t n, const float* x, double* out) {
    return api_call("anvil_sum_squares", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        ANVIL_REQUIRE(out != nullptr, "out is NULL");
        if (n == 0) {
            *out = 0.0;
            return;
        }
        require_data(c, x, "x");
        *out = ANVIL_DISPATCH(c, sum_squares, n, x);
    });
}

anvil_status anvil_copy_rows(anvil_context* ctx, int64_t rows, int64_t cols, const float* src, int64_t src_stride, float* dst,
                             int64_t dst_stride) {
    return api_call("anvil_copy_rows", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(rows, "rows");
        require_non_negative(cols, "cols");
        if (rows == 0 || cols == 0) return;
        ANVIL_REQUIRE(src_stride >= cols && dst_stride >= cols, "strides %lld and %lld must be at least cols %lld",
                      static_cast<long long>(src_stride), static_cast<long long>(dst_stride), static_cast<long long>(cols));
        // The extent each block spans, from its first to its last element.
        const int64_t src_n = checked_numel({rows - 1, src_stride}, "src") + cols;
        const int64_t dst_n = checked_numel({rows - 1, dst_stride}, "dst") + cols;
        require_data(c, src, "src");
        require_data(c, dst, "dst");
        require_disjoint(src, src_n, "src", dst, dst_n, "dst", false);
        ANVIL_DISPATCH(c, copy_rows, rows, cols, src, src_stride, dst, dst_stride);
    });
}

anvil_status anvil_binary(anvil_context* ctx, int32_t op, int64_t n, const float* a, const float* b, float* y) {
    return api_call("anvil_binary", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        ANVIL_REQUIRE(op >= ANVIL_BINARY_ADD && op <= ANVIL_BINARY_DIV, "unknown binary op %d", op);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, a, "a");
        require_data(c, b, "b");
        require_data(c, y, "y");
        require_disjoint(a, n, "a", y, n, "y", true);
        require_disjoint(b, n, "b", y, n, "y", true);
        ANVIL_DISPATCH(c, binary, op, n, a, b, y);
    });
}

anvil_status anvil_add(anvil_context* ctx, int64_t n, const float* a, const float* b, float* y) {
    return api_call("anvil_add", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, a, "a");
        require_data(c, b, "b");
        require_data(c, y, "y");
        require_disjoint(a, n, "a", y, n, "y", true);
        require_disjoint(b, n, "b", y, n, "y", true);
        ANVIL_DISPATCH(c, add, n, a, b, y);
    });
}

}  // extern "C"
