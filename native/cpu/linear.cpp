// linear CPU kernels
// Placeholder: replaced by the real kernels.
#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {
#define ANVIL_TODO throw Error(ANVIL_ERR_UNSUPPORTED, "not implemented yet")

void linear_forward(anvil_context&, const anvil_linear_desc&, const float*, const float*, const float*, float*) { ANVIL_TODO; }
void linear_backward_data(anvil_context&, const anvil_linear_desc&, const float*, const float*, float*) { ANVIL_TODO; }
void linear_backward_weight(anvil_context&, const anvil_linear_desc&, const float*, const float*, float*, float*, bool) { ANVIL_TODO; }
}  // namespace anvil::cpu
