// The element-wise arithmetic and the top-k order of the tensor API, shared by the CPU and the
// CUDA kernels so that both backends compute the same thing.
#pragma once

#include <cstdint>

#include "anvil.h"
#include "host_device.h"

namespace anvil {

ANVIL_HOST_DEVICE inline float binary_op(int32_t op, float a, float b) {
    switch (op) {
        case ANVIL_BINARY_ADD: return a + b;
        case ANVIL_BINARY_SUB: return a - b;
        case ANVIL_BINARY_MUL: return a * b;
        default: return a / b;
    }
}

// torch.topk's order: NaN above everything, larger values first, equal values (and NaNs) by lower
// index. A total order on (value, index) pairs, so the selection is the same on every backend.
ANVIL_HOST_DEVICE inline bool topk_before(float a, int64_t ia, float b, int64_t ib) {
    const bool na = a != a, nb = b != b;
    if (na != nb) return na;
    if (na || a == b) return ia < ib;
    return a > b;
}

}  // namespace anvil
