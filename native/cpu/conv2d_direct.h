// Direct (implicit-GEMM) conv2d for stride 1 on CPUs with AVX-512: no column matrix, the
// micro-kernel reads the zero-padded input planes itself through a table of window offsets.
// Each function returns false, having done nothing, when the layer or the CPU is not one it
// handles; conv2d.cpp then takes its im2col + GEMM path.
#pragma once

#include "cpu/kernels.h"

namespace anvil::cpu {

bool conv2d_direct_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                           const float* bias, float* y);
bool conv2d_direct_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                                 float* dx);
// db may be null.
bool conv2d_direct_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                                   float* dw, float* db, bool accumulate);

// Sum of n floats in double, in 32 interleaved lanes (four vectors of eight on AVX-512), so that
// the adds form several independent chains instead of one long chain. The order is fixed and
// the same on every CPU, and so is the result.
double channel_sum(const float* x, int64_t n);

// db[o] (+)= sum over images n of sums[n * channels + o], added in image order.
void add_bias_sums(const double* sums, int64_t images, int64_t channels, float* db, bool accumulate);

}  // namespace anvil::cpu
