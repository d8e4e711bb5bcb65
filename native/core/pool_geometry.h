// The geometry of 2-D pooling, shared by the CPU and the CUDA kernels: the planes and sizes of one
// descriptor, each window's corner and in-bounds part, and PyTorch's rules for the divisor of an
// average and for NaN and tied maxima.
#pragma once

#include <cstdint>

#include "anvil.h"
#include "host_device.h"
#include "shapes.h"

namespace anvil {

struct PoolGeometry {
    int64_t planes, in_h, in_w, out_h, out_w;
    int64_t kh, kw, sh, sw, ph, pw;
    bool include_pad;  // average pooling: count_include_pad
    ANVIL_HOST_DEVICE int64_t in_plane() const { return in_h * in_w; }
    ANVIL_HOST_DEVICE int64_t out_plane() const { return out_h * out_w; }
};

inline PoolGeometry pool_geometry(const anvil_pool2d_desc& d) {
    return {d.batch * d.channels, d.in_h,     d.in_w,     pool2d_out_h(d), pool2d_out_w(d), d.kernel_h,
            d.kernel_w,           d.stride_h, d.stride_w, d.pad_h,         d.pad_w,         d.count_include_pad != 0};
}

// One window: its top-left corner (top, left; in the padding when negative) and its part inside
// the input, rows [h0, h1) and columns [w0, w1).
struct PoolWindow {
    int64_t top, left, h0, h1, w0, w1;
};

ANVIL_HOST_DEVICE inline PoolWindow pool_window(const PoolGeometry& g, int64_t oh, int64_t ow) {
    const int64_t h = oh * g.sh - g.ph, w = ow * g.sw - g.pw;
    return {h, w, h > 0 ? h : 0, h + g.kh < g.in_h ? h + g.kh : g.in_h, w > 0 ? w : 0, w + g.kw < g.in_w ? w + g.kw : g.in_w};
}

// The element count an average divides by, as in PyTorch: with count_include_pad the window
// clipped to the padded input (padding counts, the space beyond it does not), else its in-bounds part.
ANVIL_HOST_DEVICE inline int64_t avg_divisor(const PoolGeometry& g, const PoolWindow& win) {
    if (!g.include_pad) return (win.h1 - win.h0) * (win.w1 - win.w0);
    const int64_t h1 = win.top + g.kh < g.in_h + g.ph ? win.top + g.kh : g.in_h + g.ph;
    const int64_t w1 = win.left + g.kw < g.in_w + g.pw ? win.left + g.kw : g.in_w + g.pw;
    return (h1 - win.top) * (w1 - win.left);
}

// As in PyTorch, a NaN beats everything (the last NaN of a window wins) and ties keep the first
// element in row-major order. (v != v: NaN, on host and device alike.)
ANVIL_HOST_DEVICE inline bool beats(float v, float best) { return v > best || v != v; }

}  // namespace anvil
