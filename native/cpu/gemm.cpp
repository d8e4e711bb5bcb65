// GEMM
// Placeholder: replaced by the real kernels.
#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {
#define ANVIL_TODO throw Error(ANVIL_ERR_UNSUPPORTED, "not implemented yet")

const char* gemm_kernel_name() { return "none"; }
}  // namespace anvil::cpu
