// Software prefetches for passes whose reads the hardware prefetcher does not foresee: short runs
// far apart (a plane of each image of a channel) or many at once (a row of each of 16 planes).
#pragma once

#include <immintrin.h>

namespace anvil::cpu {

// Asks for the line holding p, to read it soon.
inline void fetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }

// Asks for the line holding p to write it soon, owned: the store then need not wait for the line
// to be read in first. (PREFETCHW, which every CPU with AVX-512 has, written out: the intrinsic
// emits nothing in functions compiled for AVX-512 without the prfchw target.)
inline void own(float* p) { asm volatile("prefetchw %0" : : "m"(*reinterpret_cast<const char*>(p))); }

}  // namespace anvil::cpu
