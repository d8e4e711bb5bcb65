// Max and average pooling over NCHW planes. Every (n, c) plane is independent, so planes are
// the unit of parallel work: backward passes then scatter into their own dx plane without races,
// and overlapping windows (stride < kernel) simply accumulate.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "cpu_features.h"
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

bool is_2x2(const Geometry& g) {
    return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0;
}

// ------------------------------------------------------------------ 2x2 stride 2 on AVX-512
//
// The windows of a 2x2/2 pool without padding tile row pairs: row pair i (plane i / out_h, rows
// 2 (i % out_h) and the one below) gives output row i, and the output rows of all planes follow
// each other in memory. The kernel below walks a range of row pairs as one sequence, a step at a
// time: a step takes the top and the bottom rows of up to 16 outputs in two vectors each (A|B),
// splits them into the even and odd columns by a permute, and so has the four elements of 16
// windows in four vectors. Rows of up to 8 outputs (the second pool of a small network has 7)
// take two row pairs per step, A from the first and B from the second, so the lanes stay busy;
// wider rows take one row pair per step and 16 outputs of it at a time.

// Lane tables of the steps for one geometry. With two row pairs per step, lanes [0, out_w) hold
// the outputs of the first and lanes [out_w, 2 out_w) those of the second (`second`).
struct PairSteps {
    int64_t pairs;                  // row pairs per step: 2 for rows of at most 8 outputs, else 1
    alignas(64) int32_t even[16];   // where the top-left element of each lane's window lies in A|B
    alignas(64) int32_t column[16]; // its column, relative to the step's first
    __mmask16 second;
};

PairSteps pair_steps(const Geometry& g) {
    PairSteps s{};
    s.pairs = g.out_w <= 8 ? 2 : 1;
    for (int l = 0; l < 16; ++l) {
        // With two row pairs, lane l >= out_w reads B (the second pair) from its first column.
        const bool in_second = s.pairs == 2 && l >= g.out_w;
        const int32_t c = static_cast<int32_t>(in_second ? l - g.out_w : l);
        s.even[l] = in_second ? 16 + 2 * c : 2 * c;
        s.column[l] = 2 * c;
        if (in_second) s.second |= static_cast<__mmask16>(1u << l);
    }
    return s;
}

// The first n lanes (none for n <= 0).
inline __mmask16 lanes(int64_t n) {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

// best = v where v beats best (PyTorch's rule: greater, or NaN), index likewise.
__attribute__((target("avx512f"), always_inline)) inline void take_if_beats(__m512 v, __m512i v_at, __m512& best,
                                                                            __m512i& best_at) {
    const __mmask16 t = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    best = _mm512_mask_mov_ps(best, t, v);
    best_at = _mm512_mask_mov_epi32(best_at, t, v_at);
}

// One step: where the top rows of A and B start in x (B: the second row pair, or the right half
// of a wide row), which of their lanes hold window columns, the in-plane index of the first
// window element of the first lane of each row pair (row_b for the lanes in `second`), the
// step's first output j (row pair i, column q is output i * out_w + q) and its output count.
struct Step {
    int64_t a, b;
    __mmask16 load_a, load_b;
    int32_t row_a, row_b;
    int64_t j, outputs;
};

// The steps over row pairs [first, last), in order.
class Steps {
public:
    Steps(const Geometry& g, const PairSteps& s, int64_t first, int64_t last)
        : g_(g), two_(s.pairs == 2), i_(first), last_(last) {}

    bool next(Step& st) {
        if (i_ >= last_) return false;
        if (two_) {
            const bool both = i_ + 1 < last_;
            const __mmask16 row = lanes(2 * g_.out_w);
            st = {top(i_), top(both ? i_ + 1 : i_), row, both ? row : __mmask16{0}, row_at(i_),
                  both ? row_at(i_ + 1) : 0, i_ * g_.out_w, (both ? 2 : 1) * g_.out_w};
            i_ += 2;
            return true;
        }
        const int64_t n = std::min<int64_t>(16, g_.out_w - q_);
        const int32_t at = row_at(i_) + static_cast<int32_t>(2 * q_);
        st = {top(i_) + 2 * q_, top(i_) + 2 * q_ + 16, lanes(2 * n), lanes(2 * n - 16), at, at, i_ * g_.out_w + q_, n};
        q_ += 16;
        if (q_ >= g_.out_w) {
            q_ = 0;
            ++i_;
        }
        return true;
    }

private:
    int64_t top(int64_t i) const { return i / g_.out_h * g_.in_plane() + i % g_.out_h * 2 * g_.in_w; }
    int32_t row_at(int64_t i) const { return static_cast<int32_t>(i % g_.out_h * 2 * g_.in_w); }

    const Geometry& g_;
    bool two_;
    int64_t i_, last_, q_ = 0;
};

// In-plane index of the first (top-left) window element of each lane of a step.
__attribute__((target("avx512f"), always_inline)) inline __m512i first_at(__m512i column, __mmask16 second,
                                                                        const Step& st) {
    return _mm512_add_epi32(column, _mm512_mask_blend_epi32(second, _mm512_set1_epi32(st.row_a),
                                                            _mm512_set1_epi32(st.row_b)));
}

__attribute__((target("avx512f"))) void maxpool_pairs_avx512(const Geometry& g, const PairSteps& s, int64_t first,
                                                             int64_t last, const float* x, float* y,
                                                             int32_t* argmax) {
    const __m512i below = _mm512_set1_epi32(static_cast<int32_t>(g.in_w));
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i even = _mm512_load_si512(s.even), odd = _mm512_add_epi32(even, one);
    const __m512i column = _mm512_load_si512(s.column);
    Steps steps(g, s, first, last);
    for (Step st; steps.next(st);) {
        const float* a = x + st.a;
        const float* b = x + st.b;
        const __m512 ta = _mm512_maskz_loadu_ps(st.load_a, a), tb = _mm512_maskz_loadu_ps(st.load_b, b);
        const __m512 ba = _mm512_maskz_loadu_ps(st.load_a, a + g.in_w);
        const __m512 bb = _mm512_maskz_loadu_ps(st.load_b, b + g.in_w);
        // The window in row-major order: top-left, top-right, bottom-left, bottom-right.
        const __m512i at = first_at(column, s.second, st), bottom = _mm512_add_epi32(at, below);
        __m512 best = _mm512_permutex2var_ps(ta, even, tb);
        __m512i best_at = at;
        take_if_beats(_mm512_permutex2var_ps(ta, odd, tb), _mm512_add_epi32(at, one), best, best_at);
        take_if_beats(_mm512_permutex2var_ps(ba, even, bb), bottom, best, best_at);
        take_if_beats(_mm512_permutex2var_ps(ba, odd, bb), _mm512_add_epi32(bottom, one), best, best_at);
        const __mmask16 out = lanes(st.outputs);
        _mm512_mask_storeu_ps(y + st.j, out, best);
        if (argmax != nullptr) _mm512_mask_storeu_epi32(argmax + st.j, out, best_at);
    }
}

// Whether the AVX-512 row-pair kernel takes a 2x2/2 pool.
bool pairs_avx512(const Geometry& g) { return is_2x2(g) && cpu_features().avx512f && g.out_h > 0 && g.out_w > 0; }

// Runs body(first, last) over ranges of row pairs, split between the threads in whole two-pair
// steps, so that the steps (and so the results) are the same for any split.
template <class Body>
void for_pair_ranges(anvil_context& ctx, const Geometry& g, Body&& body) {
    const int64_t pairs = g.planes * g.out_h;
    parallel_for(ctx.pool, (pairs + 1) / 2, std::max<int64_t>(1, plane_grain(g) * g.out_h / 2),
                 [&](int64_t b, int64_t e) { body(2 * b, std::min(2 * e, pairs)); });
}

template <bool WithIndex>
void maxpool_forward_planes(anvil_context& ctx, const Geometry& g, const float* x, float* y, int32_t* argmax) {
    const bool fast = is_2x2(g);
    if (pairs_avx512(g)) {
        const PairSteps s = pair_steps(g);
        for_pair_ranges(ctx, g, [&](int64_t first, int64_t last) {
            maxpool_pairs_avx512(g, s, first, last, x, y, WithIndex ? argmax : nullptr);
        });
        return;
    }
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

// Backward of the 2x2/2 pool over planes [p0, p1): every input lies in at most one window, so
// each dx row is written once, straight from the windows (16 outputs at a time: the four
// candidates of each window as masked copies of dy, interleaved into the two rows), instead of
// zeroing the plane and scattering into it. Rows and columns outside every window get zeros.
__attribute__((target("avx512f"))) void maxpool_backward_2x2_avx512(const Geometry& g, int64_t p0, int64_t p1,
                                                                    const float* dy, const int32_t* argmax,
                                                                    float* dx) {
    const __m512i pairs_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i pairs_hi = _mm512_add_epi32(pairs_lo, _mm512_set1_epi32(8));
    const __m512i lane2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int32_t>(g.in_w));
    const __m512i below_one = _mm512_add_epi32(below, one);
    const int64_t covered = 2 * g.out_w;  // columns inside windows
    for (int64_t p = p0; p < p1; ++p) {
        float* dxp = dx + p * g.in_plane();
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
            const float* gy = dy + p * g.out_plane() + oh * g.out_w;
            const int32_t* at = argmax + p * g.out_plane() + oh * g.out_w;
            float* top = dxp + 2 * oh * g.in_w;
            float* bottom = top + g.in_w;
            for (int64_t q = 0; q < g.out_w; q += 16) {
                const __mmask16 m = lanes(g.out_w - q);
                const __m512 v = _mm512_maskz_loadu_ps(m, gy + q);
                // The argmax relative to each window's top-left element: 0, 1, in_w or in_w + 1.
                const __m512i first = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(2 * oh * g.in_w + 2 * q)),
                                                       lane2);
                const __m512i d = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m, at + q), first);
                const __m512 tl = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(d, _mm512_setzero_si512()), v);
                const __m512 tr = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(d, one), v);
                const __m512 bl = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(d, below), v);
                const __m512 br = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(d, below_one), v);
                const int64_t n = std::min<int64_t>(16, g.out_w - q);
                const __mmask16 lo = lanes(2 * n), hi = lanes(2 * n - 16);
                _mm512_mask_storeu_ps(top + 2 * q, lo, _mm512_permutex2var_ps(tl, pairs_lo, tr));
                _mm512_mask_storeu_ps(top + 2 * q + 16, hi, _mm512_permutex2var_ps(tl, pairs_hi, tr));
                _mm512_mask_storeu_ps(bottom + 2 * q, lo, _mm512_permutex2var_ps(bl, pairs_lo, br));
                _mm512_mask_storeu_ps(bottom + 2 * q + 16, hi, _mm512_permutex2var_ps(bl, pairs_hi, br));
            }
            for (int64_t w = covered; w < g.in_w; ++w) top[w] = bottom[w] = 0.0f;
        }
        std::fill(dxp + 2 * g.out_h * g.in_w, dxp + g.in_plane(), 0.0f);
    }
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
    // Rows of up to 8 outputs would leave most lanes idle: the scatter below is faster there.
    if (pairs_avx512(g) && g.out_w > 8) {
        parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
            maxpool_backward_2x2_avx512(g, p0, p1, dy, argmax, dx);
        });
        return;
    }
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
