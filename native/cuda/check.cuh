// Turning CUDA errors into anvil::Error: every runtime call and every kernel launch is checked,
// and the message names the operation (with its shapes) and CUDA's own description.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "error.h"

namespace anvil::cuda {

// Throws for `err`: out of memory as ANVIL_ERR_OUT_OF_MEMORY, a missing driver or device as
// ANVIL_ERR_UNSUPPORTED, anything else as ANVIL_ERR_INTERNAL.
[[noreturn]] void throw_cuda_error(cudaError_t err, const std::string& what);

// "description (cudaErrorName)"
std::string describe(cudaError_t err);

}  // namespace anvil::cuda

// ANVIL_CUDA_CHECK(cudaMalloc(...), "cudaMalloc of %zu bytes", n)
#define ANVIL_CUDA_CHECK(call, ...)                                                         \
    do {                                                                                   \
        cudaError_t anvil_err_ = (call);                                                   \
        if (anvil_err_ != cudaSuccess) ::anvil::cuda::throw_cuda_error(anvil_err_, ::anvil::format(__VA_ARGS__)); \
    } while (0)

// After a kernel launch: reports a bad launch configuration at once. Faults while the kernel
// runs surface later, at the next synchronising call of the context.
#define ANVIL_CUDA_LAUNCHED(...) ANVIL_CUDA_CHECK(cudaGetLastError(), __VA_ARGS__)
