// Output-size arithmetic shared by the API validation layer and the kernels of every backend.
#pragma once

#include <cstdint>

#include "anvil.h"

namespace anvil {

// floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1, or <= 0 if the window does not fit.
inline int64_t window_out(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
    int64_t span = dilation * (k - 1) + 1;
    int64_t room = in + 2 * pad - span;
    return room < 0 ? 0 : room / stride + 1;
}

inline int64_t conv2d_out_h(const anvil_conv2d_desc& d) {
    return window_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h);
}
inline int64_t conv2d_out_w(const anvil_conv2d_desc& d) {
    return window_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w);
}
// Pooling's output size, as PyTorch's pooling_output_shape: with ceil_mode the division rounds up,
// but a last window that would start beyond the input and its left padding is dropped.
inline int64_t pool_out(int64_t in, int64_t k, int64_t stride, int64_t pad, bool ceil_mode) {
    const int64_t room = in + 2 * pad - k;
    if (room < 0) return 0;
    int64_t out = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad) --out;
    return out;
}
inline int64_t pool2d_out_h(const anvil_pool2d_desc& d) { return pool_out(d.in_h, d.kernel_h, d.stride_h, d.pad_h, d.ceil_mode != 0); }
inline int64_t pool2d_out_w(const anvil_pool2d_desc& d) { return pool_out(d.in_w, d.kernel_w, d.stride_w, d.pad_w, d.ceil_mode != 0); }
// Bytes of one max-pool argmax element: positions within a window of up to 256 elements fit a byte.
inline int64_t maxpool2d_index_bytes(const anvil_pool2d_desc& d) { return d.kernel_h * d.kernel_w <= 256 ? 1 : 4; }

// A fused ReLU's mask (see anvil_batchnorm_relu_mask_bytes): 16-bit words per run of `spatial` elements.
#ifdef __CUDACC__
__host__ __device__
#endif
inline int64_t relu_mask_words_per_run(int64_t spatial) { return (spatial + 15) / 16; }

}  // namespace anvil
