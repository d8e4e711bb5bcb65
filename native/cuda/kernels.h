// The CUDA backend: the kernels of native/core/backend_kernels.inc (the same as the CPU's) for a CUDA
// context. Pointers are device memory; work is queued on the context's stream and the functions
// return before it completes (except where a result comes back to the host: the loss).
// Arguments have been validated by the API layer, as for the CPU backend.
#pragma once

#include <cstdint>

#include "anvil.h"
#include "context.h"

namespace anvil::cuda {

#include "backend_kernels.inc"

}  // namespace anvil::cuda
