// The element-wise losses of anvil_loss, value and derivative, shared by the CPU and CUDA kernels
// (PyTorch's definitions, see anvil.h).
#pragma once

#include <cmath>
#include <cstdint>

#include "anvil.h"
#include "host_device.h"

namespace anvil {

ANVIL_HOST_DEVICE inline double pointwise_loss(int32_t kind, double param, double x, double t) {
    const double d = x - t, a = d < 0 ? -d : d;
    switch (kind) {
        case ANVIL_LOSS_MSE: return d * d;
        case ANVIL_LOSS_L1: return a;
        case ANVIL_LOSS_SMOOTH_L1: return a < param ? 0.5 * d * d / param : a - 0.5 * param;
        case ANVIL_LOSS_HUBER: return a < param ? 0.5 * d * d : param * (a - 0.5 * param);
        default:  // ANVIL_LOSS_BCE_WITH_LOGITS, in the form that never overflows
            return (x > 0 ? x : 0.0) - x * t + log1p(exp(x < 0 ? x : -x));
    }
}

// d loss / d x.
ANVIL_HOST_DEVICE inline float pointwise_loss_derivative(int32_t kind, float param, float x, float t) {
    const float d = x - t;
    switch (kind) {
        case ANVIL_LOSS_MSE: return 2.0f * d;
        case ANVIL_LOSS_L1: return d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f;
        case ANVIL_LOSS_SMOOTH_L1: return fabsf(d) < param ? d / param : (d > 0.0f ? 1.0f : -1.0f);
        case ANVIL_LOSS_HUBER: return fabsf(d) < param ? d : (d > 0.0f ? param : -param);
        default: return 1.0f / (1.0f + expf(-x)) - t;  // sigmoid(x) - t
    }
}

}  // namespace anvil
