// The mask of the first n lanes of a 16-float vector, for the masked loads and stores at the end
// of a run.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace anvil::cpu {

// The first n lanes (none for n <= 0, all for n >= 16).
inline __mmask16 lanes(int64_t n) {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

}  // namespace anvil::cpu
