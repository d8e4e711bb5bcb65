// C ABI of the fully connected layer: validation, then dispatch to the backend.
#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {

struct LinearSizes {
    int64_t x, w, y;
};

LinearSizes check_linear(const anvil_linear_desc& d) {
    require_positive(d.batch, "batch");
    require_positive(d.in_features, "in_features");
    require_positive(d.out_features, "out_features");
    return {checked_numel({d.batch, d.in_features}, "input"),
            checked_numel({d.out_features, d.in_features}, "weight"),
            checked_numel({d.batch, d.out_features}, "output")};
}

}  // namespace

extern "C" {

anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* desc, const float* x, const float* w,
                                  const float* bias, float* y) {
    return api_call("anvil_linear_forward", [&] {
        const anvil_linear_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        LinearSizes s = check_linear(d);
        check_weighted_forward(c, x, s.x, w, s.w, bias, d.out_features, y, s.y);
        ANVIL_DISPATCH(c, linear_forward, d, x, w, bias, y);
    });
}

anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* desc, const float* dy,
                                        const float* w, float* dx) {
    return api_call("anvil_linear_backward_data", [&] {
        const anvil_linear_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        LinearSizes s = check_linear(d);
        check_weighted_backward_data(c, dy, s.y, w, s.w, dx, s.x);
        ANVIL_DISPATCH(c, linear_backward_data, d, dy, w, dx);
    });
}

anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* desc, const float* x,
                                          const float* dy, float* dw, float* db, int32_t accumulate) {
    return api_call("anvil_linear_backward_weight", [&] {
        const anvil_linear_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        LinearSizes s = check_linear(d);
        check_weighted_backward_weight(c, x, s.x, dy, s.y, dw, s.w, db, d.out_features, accumulate);
        ANVIL_DISPATCH(c, linear_backward_weight, d, x, dy, dw, db, accumulate != 0);
    });
}

anvil_status anvil_matmul(anvil_context* ctx, int64_t m, int64_t k, int64_t n, const float* a, const float* b, float* out) {
    return api_call("anvil_matmul", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_positive(m, "m");
        require_positive(k, "k");
        require_positive(n, "n");
        const int64_t na = checked_numel({m, k}, "a"), nb = checked_numel({k, n}, "b"), nc = checked_numel({m, n}, "c");
        require_data(c, a, "a");
        require_data(c, b, "b");
        require_data(c, out, "c");
        require_disjoint(a, na, "a", out, nc, "c", false);
        require_disjoint(b, nb, "b", out, nc, "c", false);
        ANVIL_DISPATCH(c, matmul, m, k, n, a, b, out);
    });
}

anvil_status anvil_linear_per_sample_sq_norms(anvil_context* ctx, const anvil_linear_desc* desc, const float* x,
                                              const float* dy, int32_t bias, float* sq) {
    return api_call("anvil_linear_per_sample_sq_norms", [&] {
        const anvil_linear_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        LinearSizes s = check_linear(d);
        ANVIL_REQUIRE(bias == 0 || bias == 1, "bias must be 0 or 1, got %d", bias);
        ANVIL_REQUIRE(d.batch < (INT64_C(1) << 31), "batch %lld is too large", static_cast<long long>(d.batch));
        check_per_sample_norms(c, x, s.x, dy, s.y, sq, d.batch);
        ANVIL_DISPATCH(c, linear_per_sample_sq_norms, d, x, dy, bias != 0, sq);
    });
}

}  // extern "C"
