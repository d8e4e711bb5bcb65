// C ABI of the tensor API's reductions: validation, then dispatch to the backend.
#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

extern "C" {

anvil_status anvil_reduce(anvil_context* ctx, int32_t op, int64_t outer, int64_t size, int64_t inner, const float* x, float* y) {
    return api_call("anvil_reduce", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        ANVIL_REQUIRE(op >= ANVIL_REDUCE_SUM && op <= ANVIL_REDUCE_MAX, "unknown reduce op %d", op);
        require_positive(outer, "outer");
        require_positive(size, "size");
        require_positive(inner, "inner");
        const int64_t nx = checked_numel({outer, size, inner}, "x"), ny = checked_numel({outer, inner}, "y");
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, nx, "x", y, ny, "y", false);
        ANVIL_DISPATCH(c, reduce, op, outer, size, inner, x, y);
    });
}

anvil_status anvil_topk(anvil_context* ctx, int64_t rows, int64_t cols, int64_t k, const float* x, float* values, int32_t* indices) {
    return api_call("anvil_topk", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_positive(rows, "rows");
        require_positive(cols, "cols");
        ANVIL_REQUIRE(k >= 1 && k <= cols, "k must be in [1, cols = %lld], got %lld", static_cast<long long>(cols),
                      static_cast<long long>(k));
        ANVIL_REQUIRE(cols < (INT64_C(1) << 31), "cols %lld do not fit int32 indices", static_cast<long long>(cols));
        const int64_t nx = checked_numel({rows, cols}, "x"), nk = checked_numel({rows, k}, "values");
        require_data(c, x, "x");
        require_data(c, values, "values");
        if (indices != nullptr) require_data(c, indices, "indices");
        require_outputs_disjoint({{values, nk * 4, "values"}, {indices, nk * 4, "indices"}}, {{x, nx * 4, "x"}});
        ANVIL_DISPATCH(c, topk, rows, cols, k, x, values, indices);
    });
}

}  // extern "C"
