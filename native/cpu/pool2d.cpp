// Max and average pooling over NCHW planes. Every (n, c) plane is independent, so planes are
// the unit of parallel work: backward passes then scatter into their own dx plane without races,
// and overlapping windows (stride < kernel) simply accumulate.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "shapes.h"

namespace anvil::cpu {

namespace {

// Window geometry shared by the kernels of one descriptor.
struct Geometry {
    int64_t planes, in_h, in_w, out_h, out_w;
    int64_t kh, kw, sh, sw, ph, pw;
    int64_t in_plane() const { return in_h * in_w; }
    int64_t out_plane() const { return out_h * out_w; }
};

Geometry geometry(const anvil_pool2d_desc& d) {
    return {d.batch * d.channels, d.in_h, d.in_w, pool2d_out_h(d), pool2d_out_w(d),
            d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w};
}

// One window clipped to the input: rows [h0, h1), columns [w0, w1).
struct Window {
    int64_t h0, h1, w0, w1;
};

Window window(const Geometry& g, int64_t oh, int64_t ow) {
    int64_t h = oh * g.sh - g.ph, w = ow * g.sw - g.pw;
    return {std::max<int64_t>(h, 0), std::min(h + g.kh, g.in_h), std::max<int64_t>(w, 0), std::min(w + g.kw, g.in_w)};
}

// Planes per thread chunk such that a chunk holds at least ~32k window reads.
int64_t plane_grain(const Geometry& g) {
    return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, g.out_plane() * g.kh * g.kw));
}

// As in PyTorch, a NaN beats everything (the last NaN of a window wins) and ties keep the first
// element in row-major order.
inline bool beats(float v, float best) { return v > best || std::isnan(v); }

// Any window, padding, stride. WithIndex is false in inference, where no argmax is wanted.
template <bool WithIndex>
void maxpool_plane(const Geometry& g, const float* x, float* y, int32_t* argmax) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
            Window win = window(g, oh, ow);
            float best = -INFINITY;
            int64_t best_at = win.h0 * g.in_w + win.w0;
            for (int64_t h = win.h0; h < win.h1; ++h) {
                for (int64_t w = win.w0; w < win.w1; ++w) {
                    float v = x[h * g.in_w + w];
                    if (beats(v, best)) {
                        best = v;
                        best_at = h * g.in_w + w;
                    }
                }
            }
            y[oh * g.out_w + ow] = best;
            if (WithIndex) argmax[oh * g.out_w + ow] = static_cast<int32_t>(best_at);
        }
    }
}

// The 2x2 stride-2 unpadded case of the training hot path: branch-free selects over the four
// elements in row-major order, which the compiler can vectorise across output columns.
template <bool WithIndex>
void maxpool_plane_2x2(const Geometry& g, const float* x, float* y, int32_t* argmax) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const float* top = x + 2 * oh * g.in_w;
        const float* bottom = top + g.in_w;
        float* yrow = y + oh * g.out_w;
        int32_t* arow = WithIndex ? argmax + oh * g.out_w : nullptr;
        const int32_t row_base = static_cast<int32_t>(2 * oh * g.in_w);
        const int32_t below = static_cast<int32_t>(g.in_w);
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const float a = top[2 * ow], b = top[2 * ow + 1], c = bottom[2 * ow], d = bottom[2 * ow + 1];
            const int32_t at = row_base + static_cast<int32_t>(2 * ow);
            float best = a;
            int32_t best_at = at;
            bool t = beats(b, best);
            best = t ? b : best;
            best_at = t ? at + 1 : best_at;
            t = beats(c, best);
            best = t ? c : best;
            best_at = t ? at + below : best_at;
            t = beats(d, best);
            best = t ? d : best;
            best_at = t ? at + below + 1 : best_at;
            yrow[ow] = best;
            if (WithIndex) arow[ow] = best_at;
        }
    }
}

template <bool WithIndex>
void maxpool_forward_planes(anvil_context& ctx, const Geometry& g, const float* x, float* y, int32_t* argmax) {
    const bool fast = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0;
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = x + p * g.in_plane();
            float* yp = y + p * g.out_plane();
            int32_t* ap = WithIndex ? argmax + p * g.out_plane() : nullptr;
            if (fast) {
                maxpool_plane_2x2<WithIndex>(g, xp, yp, ap);
            } else {
                maxpool_plane<WithIndex>(g, xp, yp, ap);
            }
        }
    });
}

// The divisor of each window, as in PyTorch: with count_include_pad the window clipped to the
// padded input (not to the input), otherwise only its in-bounds elements.
int64_t avg_divisor(const Geometry& g, bool include_pad, int64_t oh, int64_t ow, const Window& win) {
    if (!include_pad) return (win.h1 - win.h0) * (win.w1 - win.w0);
    int64_t h = oh * g.sh - g.ph, w = ow * g.sw - g.pw;
    int64_t h1 = std::min(h + g.kh, g.in_h + g.ph), w1 = std::min(w + g.kw, g.in_w + g.pw);
    return (h1 - h) * (w1 - w);
}

}  // namespace

void maxpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y, int32_t* argmax) {
    const Geometry g = geometry(d);
    if (argmax) {
        maxpool_forward_planes<true>(ctx, g, x, y, argmax);
    } else {
        maxpool_forward_planes<false>(ctx, g, x, y, nullptr);
    }
}

void maxpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, const int32_t* argmax,
                        float* dx) {
    const Geometry g = geometry(d);
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            float* dxp = dx + p * g.in_plane();
            const float* dyp = dy + p * g.out_plane();
            const int32_t* ap = argmax + p * g.out_plane();
            std::memset(dxp, 0, static_cast<size_t>(g.in_plane()) * sizeof(float));
            // "+=": with overlapping windows one input can be the maximum of several outputs.
            for (int64_t j = 0; j < g.out_plane(); ++j) dxp[ap[j]] += dyp[j];
        }
    });
}

void avgpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y) {
    const Geometry g = geometry(d);
    const bool include_pad = d.count_include_pad != 0;
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = x + p * g.in_plane();
            float* yp = y + p * g.out_plane();
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
                for (int64_t ow = 0; ow < g.out_w; ++ow) {
                    Window win = window(g, oh, ow);
                    float sum = 0.0f;
                    for (int64_t h = win.h0; h < win.h1; ++h) {
                        for (int64_t w = win.w0; w < win.w1; ++w) sum += xp[h * g.in_w + w];
                    }
                    yp[oh * g.out_w + ow] = sum / static_cast<float>(avg_divisor(g, include_pad, oh, ow, win));
                }
            }
        }
    });
}

void avgpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, float* dx) {
    const Geometry g = geometry(d);
    const bool include_pad = d.count_include_pad != 0;
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            float* dxp = dx + p * g.in_plane();
            const float* dyp = dy + p * g.out_plane();
            std::memset(dxp, 0, static_cast<size_t>(g.in_plane()) * sizeof(float));
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
                for (int64_t ow = 0; ow < g.out_w; ++ow) {
                    Window win = window(g, oh, ow);
                    const float share =
                        dyp[oh * g.out_w + ow] / static_cast<float>(avg_divisor(g, include_pad, oh, ow, win));
                    // Accumulate: overlapping windows share inputs.
                    for (int64_t h = win.h0; h < win.h1; ++h) {
                        for (int64_t w = win.w0; w < win.w1; ++w) dxp[h * g.in_w + w] += share;
                    }
                }
            }
        }
    });
}

}  // namespace anvil::cpu
