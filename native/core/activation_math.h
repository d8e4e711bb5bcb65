// The element-wise activations of anvil_activation, value and derivative, shared by the CPU and
// CUDA kernels so that both compute the same function (PyTorch's definitions, see anvil.h).
#pragma once

#include <cmath>
#include <cstdint>

#include "anvil.h"
#include "host_device.h"

namespace anvil {

ANVIL_HOST_DEVICE inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

// sqrt(2/pi) and 1/sqrt(2), 1/sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

ANVIL_HOST_DEVICE inline float activation(int32_t kind, float alpha, float x) {
    switch (kind) {
        case ANVIL_ACT_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case ANVIL_ACT_ELU: return x > 0.0f ? x : alpha * expm1f(x);
        case ANVIL_ACT_GELU: return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
        case ANVIL_ACT_GELU_TANH: return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
        case ANVIL_ACT_SILU: return x * sigmoidf(x);
        case ANVIL_ACT_SIGMOID: return sigmoidf(x);
        case ANVIL_ACT_TANH: return tanhf(x);
        default:  // ANVIL_ACT_HARDSWISH
            return x <= -3.0f ? 0.0f : x >= 3.0f ? x : x * (x + 3.0f) / 6.0f;
    }
}

// f'(x), given x and y = f(x) (whichever the formula needs), as PyTorch's backward computes it.
ANVIL_HOST_DEVICE inline float activation_derivative(int32_t kind, float alpha, float x, float y) {
    switch (kind) {
        case ANVIL_ACT_LEAKY_RELU: return x > 0.0f ? 1.0f : alpha;
        case ANVIL_ACT_ELU: return x > 0.0f ? 1.0f : y + alpha;
        case ANVIL_ACT_GELU: return 0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
        case ANVIL_ACT_GELU_TANH: {
            const float inner = kSqrt2OverPi * (x + 0.044715f * x * x * x);
            const float t = tanhf(inner);
            return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * x * x);
        }
        case ANVIL_ACT_SILU: {
            const float s = sigmoidf(x);
            return s * (1.0f + x * (1.0f - s));
        }
        case ANVIL_ACT_SIGMOID: return y * (1.0f - y);
        case ANVIL_ACT_TANH: return 1.0f - y * y;
        default:  // ANVIL_ACT_HARDSWISH, PyTorch's boundaries
            return x < -3.0f ? 0.0f : x <= 3.0f ? x / 3.0f + 0.5f : 1.0f;
    }
}

}  // namespace anvil
