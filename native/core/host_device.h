// ANVIL_HOST_DEVICE marks the inline functions that the CPU and the CUDA kernels share: compiled
// for both host and device under nvcc, plain inline functions elsewhere.
#pragma once

#ifdef __CUDACC__
#define ANVIL_HOST_DEVICE __host__ __device__
#else
#define ANVIL_HOST_DEVICE
#endif
