// C ABI of ReLU, dropout and the other activations: validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {
void check_p(float p) { ANVIL_REQUIRE(p >= 0.0f && p < 1.0f, "p must be in [0, 1), got %g", static_cast<double>(p)); }

void check_activation(int32_t kind, float alpha) {
    ANVIL_REQUIRE(kind >= ANVIL_ACT_LEAKY_RELU && kind <= ANVIL_ACT_HARDSWISH, "kind must be an anvil_activation (0 to %d), got %d",
                  ANVIL_ACT_HARDSWISH, kind);
    ANVIL_REQUIRE(std::isfinite(alpha), "alpha must be finite, got %g", static_cast<double>(alpha));
}
}  // namespace

extern "C" {

anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y) {
    return api_call("anvil_relu_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", true);
        ANVIL_DISPATCH(c, relu_forward, n, x, y);
    });
}

anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy, float* dx) {
    return api_call("anvil_relu_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, y, "y");
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_disjoint(dy, n, "dy", dx, n, "dx", true);
        require_disjoint(y, n, "y", dx, n, "dx", true);
        ANVIL_DISPATCH(c, relu_backward, n, y, dy, dx);
    });
}

anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    return api_call("anvil_dropout_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        check_p(p);
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", true);
        ANVIL_DISPATCH(c, dropout_forward, n, p, seed, x, y);
    });
}

anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* dy,
                                    float* dx) {
    return api_call("anvil_dropout_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_non_negative(n, "n");
        check_p(p);
        if (n == 0) return;
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_disjoint(dy, n, "dy", dx, n, "dx", true);
        ANVIL_DISPATCH(c, dropout_backward, n, p, seed, dy, dx);
    });
}

anvil_status anvil_activation_forward(anvil_context* ctx, int32_t kind, float alpha, int64_t n, const float* x, float* y) {
    return api_call("anvil_activation_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_activation(kind, alpha);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", true);
        ANVIL_DISPATCH(c, activation_forward, kind, alpha, n, x, y);
    });
}

anvil_status anvil_activation_backward(anvil_context* ctx, int32_t kind, float alpha, int64_t n, const float* x,
                                       const float* y, const float* dy, float* dx) {
    return api_call("anvil_activation_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_activation(kind, alpha);
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_disjoint(dy, n, "dy", dx, n, "dx", true);
        require_disjoint(x, n, "x", dx, n, "dx", false);
        require_disjoint(y, n, "y", dx, n, "dx", false);
        ANVIL_DISPATCH(c, activation_backward, kind, alpha, n, x, y, dy, dx);
    });
}

}  // extern "C"
