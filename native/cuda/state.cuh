// The CUDA side of a context, shared by runtime.cu and the kernels (which launch on its stream).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "context.h"

namespace anvil::cuda {

struct CachingAllocator;

}  // namespace anvil::cuda

namespace anvil {

struct CudaState {
    int32_t device = 0;
    int32_t multiprocessors = 1;  // of the device, for launch sizes
    cudaStream_t stream = nullptr;
    cuda::CachingAllocator* allocator = nullptr;
    // One device word for kernels that report a data error (e.g. a label out of range).
    int64_t* flag = nullptr;
};

namespace cuda {
// Makes the context's device current and returns its stream; every kernel launch goes here.
cudaStream_t enter(anvil_context& ctx);
}  // namespace cuda

}  // namespace anvil
