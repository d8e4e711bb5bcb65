// Winograd conv2d, F(2x2, 5x5) for "same" 5x5 layers and F(4x4, 3x3) for "same" 3x3 layers with
// many channels, on CPUs with AVX-512 (forward, backward-data and backward-weight). Each function
// returns false, having done nothing, when the layer or the CPU is not one it handles.
#pragma once

#include "cpu/kernels.h"

namespace anvil::cpu {

bool conv2d_winograd_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                             const float* bias, float* y);
bool conv2d_winograd_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                                   float* dx);
// db may be null.
bool conv2d_winograd_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                                     float* dw, float* db, bool accumulate);

}  // namespace anvil::cpu
