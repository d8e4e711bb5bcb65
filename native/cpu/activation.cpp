// activation CPU kernels
// Placeholder: replaced by the real kernels.
#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {
#define ANVIL_TODO throw Error(ANVIL_ERR_UNSUPPORTED, "not implemented yet")

void relu_forward(anvil_context&, int64_t, const float*, float*) { ANVIL_TODO; }
void relu_backward(anvil_context&, int64_t, const float*, const float*, float*) { ANVIL_TODO; }
void dropout_forward(anvil_context&, int64_t, float, uint64_t, const float*, float*) { ANVIL_TODO; }
void dropout_backward(anvil_context&, int64_t, float, uint64_t, const float*, float*) { ANVIL_TODO; }
}  // namespace anvil::cpu
