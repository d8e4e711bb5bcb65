// optimizer CPU kernels
// Placeholder: replaced by the real kernels.
#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {
#define ANVIL_TODO throw Error(ANVIL_ERR_UNSUPPORTED, "not implemented yet")

void sgd_step(anvil_context&, const anvil_sgd_desc&, int64_t, int64_t, float*, const float*, float*) { ANVIL_TODO; }
void adam_step(anvil_context&, const anvil_adam_desc&, int64_t, int64_t, float*, const float*, float*, float*) { ANVIL_TODO; }
}  // namespace anvil::cpu
