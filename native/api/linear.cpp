// C ABI of the fully connected layer: validation, then dispatch to the backend.
#include "api.h"
#include "cpu/kernels.h"

using namespace anvil;

namespace {

struct LinearSizes {
    int64_t x, w, y;
};

LinearSizes check_linear(const anvil_linear_desc* dp) {
    ANVIL_REQUIRE(dp != nullptr, "descriptor is NULL");
    require_positive(dp->batch, "batch");
    require_positive(dp->in_features, "in_features");
    require_positive(dp->out_features, "out_features");
    return {checked_numel({dp->batch, dp->in_features}, "input"),
            checked_numel({dp->out_features, dp->in_features}, "weight"),
            checked_numel({dp->batch, dp->out_features}, "output")};
}

}  // namespace

extern "C" {

anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* w,
                                  const float* bias, float* y) {
    return api_call("anvil_linear_forward", [&] {
        anvil_context& c = require_context(ctx);
        LinearSizes s = check_linear(d);
        require_ptr(x, "x");
        require_ptr(w, "w");
        require_ptr(y, "y");
        require_disjoint(x, s.x, "x", y, s.y, "y", false);
        require_disjoint(w, s.w, "w", y, s.y, "y", false);
        cpu::linear_forward(c, *d, x, w, bias, y);
    });
}

anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d, const float* dy,
                                        const float* w, float* dx) {
    return api_call("anvil_linear_backward_data", [&] {
        anvil_context& c = require_context(ctx);
        LinearSizes s = check_linear(d);
        require_ptr(dy, "dy");
        require_ptr(w, "w");
        require_ptr(dx, "dx");
        require_disjoint(dy, s.y, "dy", dx, s.x, "dx", false);
        require_disjoint(w, s.w, "w", dx, s.x, "dx", false);
        cpu::linear_backward_data(c, *d, dy, w, dx);
    });
}

anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d, const float* x,
                                          const float* dy, float* dw, float* db, int32_t accumulate) {
    return api_call("anvil_linear_backward_weight", [&] {
        anvil_context& c = require_context(ctx);
        LinearSizes s = check_linear(d);
        require_ptr(x, "x");
        require_ptr(dy, "dy");
        require_ptr(dw, "dw");
        ANVIL_REQUIRE(accumulate == 0 || accumulate == 1, "accumulate must be 0 or 1, got %d", accumulate);
        require_disjoint(x, s.x, "x", dw, s.w, "dw", false);
        require_disjoint(dy, s.y, "dy", dw, s.w, "dw", false);
        if (db != nullptr) {
            require_disjoint(db, d->out_features, "db", dw, s.w, "dw", false);
            require_disjoint(db, d->out_features, "db", x, s.x, "x", false);
            require_disjoint(db, d->out_features, "db", dy, s.y, "dy", false);
        }
        cpu::linear_backward_weight(c, *d, x, dy, dw, db, accumulate != 0);
    });
}

}  // extern "C"
