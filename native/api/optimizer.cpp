// C ABI of the optimizer updates: validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {
void check_finite_non_negative(float v, const char* name) {
    ANVIL_REQUIRE(std::isfinite(v) && v >= 0.0f, "%s must be finite and >= 0, got %g", name, static_cast<double>(v));
}
}  // namespace

extern "C" {

anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* desc, int64_t step, int64_t n, float* param,
                            const float* grad, float* velocity) {
    return api_call("anvil_sgd_step", [&] {
        const anvil_sgd_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_finite_non_negative(d.lr, "lr");
        check_finite_non_negative(d.momentum, "momentum");
        check_finite_non_negative(d.weight_decay, "weight_decay");
        ANVIL_REQUIRE(std::isfinite(d.dampening) && d.dampening >= 0.0f && d.dampening <= 1.0f,
                      "dampening must be in [0, 1], got %g", static_cast<double>(d.dampening));
        ANVIL_REQUIRE(d.nesterov == 0 || d.nesterov == 1, "nesterov must be 0 or 1, got %d", d.nesterov);
        ANVIL_REQUIRE(!d.nesterov || (d.momentum > 0.0f && d.dampening == 0.0f),
                      "Nesterov momentum requires momentum > 0 and dampening 0");
        require_positive(step, "step");
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, param, "param");
        require_data(c, grad, "grad");
        if (d.momentum != 0.0f) {
            require_data(c, velocity, "velocity");
            require_disjoint(param, n, "param", velocity, n, "velocity", false);
            require_disjoint(grad, n, "grad", velocity, n, "velocity", false);
        }
        require_disjoint(param, n, "param", grad, n, "grad", false);
        ANVIL_DISPATCH(c, sgd_step, d, step, n, param, grad, velocity);
    });
}

anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* desc, int64_t step, int64_t n, float* param,
                             const float* grad, float* m, float* v) {
    return api_call("anvil_adam_step", [&] {
        const anvil_adam_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_finite_non_negative(d.lr, "lr");
        check_finite_non_negative(d.weight_decay, "weight_decay");
        ANVIL_REQUIRE(d.beta1 >= 0.0f && d.beta1 < 1.0f, "beta1 must be in [0, 1), got %g", static_cast<double>(d.beta1));
        ANVIL_REQUIRE(d.beta2 >= 0.0f && d.beta2 < 1.0f, "beta2 must be in [0, 1), got %g", static_cast<double>(d.beta2));
        ANVIL_REQUIRE(std::isfinite(d.eps) && d.eps > 0.0f, "eps must be finite and > 0, got %g", static_cast<double>(d.eps));
        ANVIL_REQUIRE(d.decoupled == 0 || d.decoupled == 1, "decoupled must be 0 or 1, got %d", d.decoupled);
        require_positive(step, "step");
        require_non_negative(n, "n");
        if (n == 0) return;
        require_data(c, param, "param");
        require_data(c, grad, "grad");
        require_data(c, m, "m");
        require_data(c, v, "v");
        require_disjoint(param, n, "param", grad, n, "grad", false);
        require_disjoint(param, n, "param", m, n, "m", false);
        require_disjoint(param, n, "param", v, n, "v", false);
        require_disjoint(m, n, "m", v, n, "v", false);
        require_disjoint(grad, n, "grad", m, n, "m", false);
        require_disjoint(grad, n, "grad", v, n, "v", false);
        ANVIL_DISPATCH(c, adam_step, d, step, n, param, grad, m, v);
    });
}

}  // extern "C"
