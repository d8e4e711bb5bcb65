// The CPU backend: the kernels of native/core/backend_kernels.inc, on host memory and the context's
// thread pool, plus what only the CPU has.
#pragma once

#include <cstdint>

#include "anvil.h"
#include "context.h"

namespace anvil::cpu {

#include "backend_kernels.inc"

// gemm.cpp: the GEMM behind conv2d and linear; name of the micro-kernel chosen for this CPU.
const char* gemm_kernel_name();

// dispatch.cpp: one line per op family, the code variant that runs at the instruction-set level in
// force, and why.
const char* dispatch_description();

}  // namespace anvil::cpu
