// The dropout keep decision, a pure function of (seed, element index), shared by the CPU kernel
// (native/cpu/activation.cpp) and the CUDA kernel (native/cuda/activation.cu) so that both
// devices drop exactly the same elements for the same seed.
#pragma once

#include <cstdint>

#include "host_device.h"

namespace anvil {

// The splitmix64 output function: a bijective 64-bit mixer with full avalanche (here only to
// spread the seed over the two 32-bit keys).
ANVIL_HOST_DEVICE inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

// The murmur3 finaliser: a bijective 32-bit mixer with full avalanche, from 32-bit multiplies and
// shifts only, so that a loop of it vectorises (a 64-bit multiply per element does not).
ANVIL_HOST_DEVICE inline uint32_t fmix32(uint32_t h) {
    h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
    h = (h ^ (h >> 13)) * 0xC2B2AE35u;
    return h ^ (h >> 16);
}

// Counter-based keep decision: element i is kept when two rounds of fmix32 over its low 32 bits,
// keyed by both halves of the mixed seed (the second also by the high 32 bits of i), give at least
// `threshold`. Being a pure function of (seed, i) the mask does not depend on how the range is
// split between threads, and backward recomputes it instead of storing it.
struct DropoutMask {
    // Built on the host (the threshold is computed in double precision).
    DropoutMask(float p, uint64_t seed)
        : key(mix64(seed)),
          // p < 1, so p * 2^32 < 2^32: P(keep) = 1 - threshold / 2^32, within 2^-32 of 1 - p.
          threshold(static_cast<uint32_t>(static_cast<double>(p) * 4294967296.0)) {}
    // The key of the second round for indices with high bits `high`.
    ANVIL_HOST_DEVICE uint32_t second_key(uint64_t high) const {
        return static_cast<uint32_t>(key >> 32) ^ fmix32(static_cast<uint32_t>(high) + 0x9E3779B9u);
    }
    ANVIL_HOST_DEVICE bool keep(uint32_t low, uint32_t key2) const {
        return fmix32(fmix32(low ^ static_cast<uint32_t>(key)) ^ key2) >= threshold;
    }
    // keep() for a full 64-bit index.
    ANVIL_HOST_DEVICE bool keep_index(uint64_t i) const {
        return keep(static_cast<uint32_t>(i), second_key(i >> 32));
    }
    uint64_t key;
    uint32_t threshold;
};

}  // namespace anvil
