// Adam/AdamW as PyTorch computes it, shared by the CPU kernel (native/cpu/optimizer.cpp) and the
// CUDA kernel (native/cuda/optimizer.cu) so that both apply the same formula with the same scalars.
#pragma once

#include <cmath>
#include <cstdint>

#include "anvil.h"
#include "host_device.h"

namespace anvil {

// The per-step scalars. PyTorch computes them in double precision (Python floats) and then
// applies them to float tensors; so do we.
struct AdamScalars {
    float step_size, sqrt_bias2, decay, l2, beta1, beta2, eps, one_minus_beta1, one_minus_beta2;
};

inline AdamScalars adam_scalars(const anvil_adam_desc& d, int64_t step) {
    const double bias1 = 1.0 - std::pow(static_cast<double>(d.beta1), static_cast<double>(step));
    const double bias2 = 1.0 - std::pow(static_cast<double>(d.beta2), static_cast<double>(step));
    AdamScalars s;
    s.step_size = static_cast<float>(d.lr / bias1);
    s.sqrt_bias2 = static_cast<float>(std::sqrt(bias2));
    s.decay = d.decoupled ? static_cast<float>(1.0 - static_cast<double>(d.lr) * d.weight_decay) : 1.0f;
    s.l2 = d.decoupled ? 0.0f : d.weight_decay;
    s.beta1 = d.beta1;
    s.beta2 = d.beta2;
    s.eps = d.eps;
    s.one_minus_beta1 = 1.0f - d.beta1;
    s.one_minus_beta2 = 1.0f - d.beta2;
    return s;
}

// One element's update of param, exp_avg (m) and exp_avg_sq (v).
ANVIL_HOST_DEVICE inline void adam_update(const AdamScalars& s, float& param, float grad, float& m, float& v) {
    const float p = param * s.decay;                       // AdamW: decoupled decay first
    const float g = grad + s.l2 * p;                       // Adam: L2 penalty in the gradient
    const float mi = m + s.one_minus_beta1 * (g - m);      // exp_avg.lerp_(grad, 1 - beta1)
    const float vi = s.beta2 * v + s.one_minus_beta2 * g * g;
    m = mi;
    v = vi;
    // IEEE sqrt and division on both devices (nvcc's defaults), so results agree to rounding.
    const float denom = sqrtf(vi) / s.sqrt_bias2 + s.eps;
    param = p - s.step_size * (mi / denom);
}

}  // namespace anvil
