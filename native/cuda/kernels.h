// The CUDA backend: the twins of native/cpu/kernels.h, same names and arguments, for a CUDA
// context. Pointers are device memory; work is queued on the context's stream and the functions
// return before it completes (except where a result comes back to the host: the loss).
// Arguments have been validated by the API layer, as for the CPU backend.
#pragma once

#include <cstdint>

#include "anvil.h"
#include "context.h"

namespace anvil::cuda {

// elementwise.cu
void fill(anvil_context& ctx, int64_t n, float value, float* y);
void copy(anvil_context& ctx, int64_t n, const float* x, float* y);
void scale(anvil_context& ctx, int64_t n, float alpha, float* x);
void axpy(anvil_context& ctx, int64_t n, float alpha, const float* x, float* y);

// activation.cu
void relu_forward(anvil_context& ctx, int64_t n, const float* x, float* y);
void relu_backward(anvil_context& ctx, int64_t n, const float* y, const float* dy, float* dx);
void dropout_forward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y);
void dropout_backward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx);

// loss.cu: the mean loss comes back to the host (the call waits for it); a label out of range
// throws anvil::Error naming the first bad sample, as on the CPU.
float softmax_cross_entropy_forward(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits,
                                    const int32_t* labels);
void softmax_cross_entropy_backward(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits,
                                    const int32_t* labels, float scale, float* dlogits);
void argmax(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions);

// conv2d.cu (bias and db may be null)
void conv2d_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                    const float* bias, float* y);
void conv2d_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w, float* dx);
void conv2d_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate);

// pool2d.cu (argmax may be null in maxpool2d_forward)
void maxpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y, int32_t* argmax);
void maxpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, const int32_t* argmax,
                        float* dx);
void avgpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y);
void avgpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, float* dx);

// linear.cu (bias and db may be null)
void linear_forward(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* w,
                    const float* bias, float* y);
void linear_backward_data(anvil_context& ctx, const anvil_linear_desc& d, const float* dy, const float* w, float* dx);
void linear_backward_weight(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate);

// optimizer.cu (velocity may be null when momentum == 0)
void sgd_step(anvil_context& ctx, const anvil_sgd_desc& d, int64_t step, int64_t n, float* param, const float* grad,
              float* velocity);
void adam_step(anvil_context& ctx, const anvil_adam_desc& d, int64_t step, int64_t n, float* param,
               const float* grad, float* m, float* v);

}  // namespace anvil::cuda
