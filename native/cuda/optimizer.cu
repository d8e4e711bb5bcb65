// SGD and Adam, one kernel each, with the formulas of native/cpu/optimizer.cpp (scalars of the
// step computed on the host in double precision, as there).
#include <cmath>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {
__global__ void sgd_kernel(int64_t n, float lr, float wd, float momentum, float blend, bool nesterov,
                           bool first_step, float* param, const float* grad, float* velocity) {
    ANVIL_GRID_STRIDE(i, n) {
        const float g = grad[i] + wd * param[i];
        float update = g;
        if (velocity != nullptr) {
            const float v = first_step ? g : momentum * velocity[i] + blend * g;
            velocity[i] = v;
            update = nesterov ? g + momentum * v : v;
        }
        param[i] -= lr * update;
    }
}

__global__ void adam_kernel(int64_t n, float step_size, float sqrt_bias2, float decay, float l2, float beta1,
                            float beta2, float eps, float* param, const float* grad, float* m, float* v) {
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    ANVIL_GRID_STRIDE(i, n) {
        const float p = param[i] * decay;
        const float g = grad[i] + l2 * p;
        const float mi = m[i] + one_minus_beta1 * (g - m[i]);
        const float vi = beta2 * v[i] + one_minus_beta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        // IEEE sqrt and division (nvcc's defaults), so results match the CPU to rounding.
        const float denom = sqrtf(vi) / sqrt_bias2 + eps;
        param[i] = p - step_size * (mi / denom);
    }
}
}  // namespace

void sgd_step(anvil_context& ctx, const anvil_sgd_desc& d, int64_t step, int64_t n, float* param, const float* grad,
              float* velocity) {
    // Without momentum the velocity is not used (it may be null).
    float* v = d.momentum == 0.0f ? nullptr : velocity;
    sgd_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, d.lr, d.weight_decay, d.momentum,
                                                           1.0f - d.dampening, d.nesterov != 0, step == 1, param,
                                                           grad, v);
    ANVIL_CUDA_LAUNCHED("sgd_step kernel, n=%lld", static_cast<long long>(n));
}

void adam_step(anvil_context& ctx, const anvil_adam_desc& d, int64_t step, int64_t n, float* param,
               const float* grad, float* m, float* v) {
    const double bias1 = 1.0 - std::pow(static_cast<double>(d.beta1), static_cast<double>(step));
    const double bias2 = 1.0 - std::pow(static_cast<double>(d.beta2), static_cast<double>(step));
    const float step_size = static_cast<float>(d.lr / bias1);
    const float sqrt_bias2 = static_cast<float>(std::sqrt(bias2));
    const float decay = d.decoupled ? static_cast<float>(1.0 - static_cast<double>(d.lr) * d.weight_decay) : 1.0f;
    const float l2 = d.decoupled ? 0.0f : d.weight_decay;
    adam_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, step_size, sqrt_bias2, decay, l2, d.beta1, d.beta2,
                                                            d.eps, param, grad, m, v);
    ANVIL_CUDA_LAUNCHED("adam_step kernel, n=%lld", static_cast<long long>(n));
}

}  // namespace anvil::cuda
