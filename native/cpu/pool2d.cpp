// pool2d CPU kernels
// Placeholder: replaced by the real kernels.
#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {
#define ANVIL_TODO throw Error(ANVIL_ERR_UNSUPPORTED, "not implemented yet")

void maxpool2d_forward(anvil_context&, const anvil_pool2d_desc&, const float*, float*, int32_t*) { ANVIL_TODO; }
void maxpool2d_backward(anvil_context&, const anvil_pool2d_desc&, const float*, const int32_t*, float*) { ANVIL_TODO; }
void avgpool2d_forward(anvil_context&, const anvil_pool2d_desc&, const float*, float*) { ANVIL_TODO; }
void avgpool2d_backward(anvil_context&, const anvil_pool2d_desc&, const float*, float*) { ANVIL_TODO; }
}  // namespace anvil::cpu
