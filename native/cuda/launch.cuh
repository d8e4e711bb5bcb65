// Launch geometry of the element-wise kernels: grid-stride loops over n elements.
#pragma once

#include <algorithm>
#include <cstdint>

namespace anvil::cuda {

constexpr int kThreads = 256;

// Whether p may be read as float4s (the caching allocator's blocks always may).
inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Enough blocks to fill the GPU several times over; the loops stride over the rest.
inline unsigned blocks_for(int64_t n) {
    return static_cast<unsigned>(std::min<int64_t>((n + kThreads - 1) / kThreads, int64_t{1} << 16));
}

#define ANVIL_GRID_STRIDE(i, n) \
    for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < (n); i += int64_t{gridDim.x} * blockDim.x)

}  // namespace anvil::cuda
