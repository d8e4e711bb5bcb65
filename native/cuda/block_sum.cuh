// The block-wide sum of the reductions (batch and group normalisation, per-sample norms): each
// thread's double, added in a fixed tree order, so results do not vary between runs.
#pragma once

#include "cuda/launch.cuh"

namespace anvil::cuda {

// The sum over the block (kThreads threads) of each thread's `v`; every thread gets it. `partial`
// is kThreads doubles of shared memory.
__device__ inline double block_sum(double v, double* partial) {
    partial[threadIdx.x] = v;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    const double total = partial[0];
    __syncthreads();
    return total;
}

}  // namespace anvil::cuda
