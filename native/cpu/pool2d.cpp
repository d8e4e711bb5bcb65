// Max and average pooling over NCHW planes. Every (n, c) plane is independent, so planes are
// the unit of parallel work: backward passes then scatter into their own dx plane without races,
// and overlapping windows (stride < kernel) simply accumulate. Max pooling records the position
// of each maximum in its window (a byte for windows of up to 256 elements), which is all its
// backward pass reads besides dy.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "cpu/kernels.h"
#include "cpu/lanes.h"
#include "cpu_features.h"
#include "pool_geometry.h"

namespace anvil::cpu {

namespace {

// Planes per thread chunk such that a chunk holds at least ~32k window reads.
int64_t plane_grain(const PoolGeometry& g) {
    return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, g.out_plane() * g.kh * g.kw));
}

// Any window, padding, stride. Index is uint8_t or int32_t (anvil_maxpool2d_index_bytes); argmax
// is NULL in inference, where no argmax is wanted.
template <class Index>
void maxpool_plane(const PoolGeometry& g, const float* x, float* y, Index* argmax) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const PoolWindow win = pool_window(g, oh, ow);
            float best = -INFINITY;
            int64_t best_at = (win.h0 - win.top) * g.kw + (win.w0 - win.left);
            for (int64_t h = win.h0; h < win.h1; ++h) {
                for (int64_t w = win.w0; w < win.w1; ++w) {
                    const float v = x[h * g.in_w + w];
                    if (beats(v, best)) {
                        best = v;
                        best_at = (h - win.top) * g.kw + (w - win.left);
                    }
                }
            }
            y[oh * g.out_w + ow] = best;
            if (argmax != nullptr) argmax[oh * g.out_w + ow] = static_cast<Index>(best_at);
        }
    }
}

// The 2x2 stride-2 unpadded case of the training hot path on CPUs without AVX-512: branch-free
// selects over the four elements in row-major order (positions 0 to 3), which the compiler can
// vectorise across output columns.
template <bool WithIndex>
void maxpool_plane_2x2(const PoolGeometry& g, const float* x, float* y, uint8_t* argmax) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const float* top = x + 2 * oh * g.in_w;
        const float* bottom = top + g.in_w;
        float* yrow = y + oh * g.out_w;
        uint8_t* arow = WithIndex ? argmax + oh * g.out_w : nullptr;
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const float a = top[2 * ow], b = top[2 * ow + 1], c = bottom[2 * ow], d = bottom[2 * ow + 1];
            float best = a;
            uint8_t best_at = 0;
            bool t = beats(b, best);
            best = t ? b : best;
            best_at = t ? 1 : best_at;
            t = beats(c, best);
            best = t ? c : best;
            best_at = t ? 2 : best_at;
            t = beats(d, best);
            best = t ? d : best;
            best_at = t ? 3 : best_at;
            yrow[ow] = best;
            if (WithIndex) arow[ow] = best_at;
        }
    }
}

// 2x2/2 windows, unpadded and inside the input (ceil_mode on odd sizes adds windows that are not).
bool is_2x2(const PoolGeometry& g) {
    return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && 2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w;
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
// the outputs of the first and lanes [out_w, 2 out_w) those of the second.
struct PairSteps {
    int64_t pairs;                  // row pairs per step: 2 for rows of at most 8 outputs, else 1
    alignas(64) int32_t even[16];   // where the top-left element of each lane's window lies in A|B
};

PairSteps pair_steps(const PoolGeometry& g) {
    PairSteps s{};
    s.pairs = g.out_w <= 8 ? 2 : 1;
    for (int l = 0; l < 16; ++l) {
        // With two row pairs, lane l >= out_w reads B (the second pair) from its first column.
        const bool in_second = s.pairs == 2 && l >= g.out_w;
        s.even[l] = static_cast<int32_t>(in_second ? 16 + 2 * (l - g.out_w) : 2 * l);
    }
    return s;
}

// best = v where v beats best (PyTorch's rule: greater, or NaN), its position likewise.
__attribute__((target("avx512f"), always_inline)) inline void take_if_beats(__m512 v, int32_t v_at, __m512& best,
                                                                            __m512i& best_at) {
    const __mmask16 t = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    best = _mm512_mask_mov_ps(best, t, v);
    best_at = _mm512_mask_mov_epi32(best_at, t, _mm512_set1_epi32(v_at));
}

// One step: where the top rows of A and B start in x (B: the second row pair, or the right half
// of a wide row), which of their lanes hold window columns, the step's first output j (row pair
// i, column q is output i * out_w + q) and its output count.
struct Step {
    int64_t a, b;
    __mmask16 load_a, load_b;
    int64_t j, outputs;
};

// The steps over row pairs [first, last), in order.
class Steps {
public:
    Steps(const PoolGeometry& g, const PairSteps& s, int64_t first, int64_t last)
        : g_(g), two_(s.pairs == 2), i_(first), last_(last) {}

    bool next(Step& st) {
        if (i_ >= last_) return false;
        if (two_) {
            const bool both = i_ + 1 < last_;
            const __mmask16 row = lanes(2 * g_.out_w);
            st = {top(i_), top(both ? i_ + 1 : i_), row, both ? row : __mmask16{0}, i_ * g_.out_w,
                  (both ? 2 : 1) * g_.out_w};
            i_ += 2;
            return true;
        }
        const int64_t n = std::min<int64_t>(16, g_.out_w - q_);
        st = {top(i_) + 2 * q_, top(i_) + 2 * q_ + 16, lanes(2 * n), lanes(2 * n - 16), i_ * g_.out_w + q_, n};
        q_ += 16;
        if (q_ >= g_.out_w) {
            q_ = 0;
            ++i_;
        }
        return true;
    }

private:
    int64_t top(int64_t i) const { return i / g_.out_h * g_.in_plane() + i % g_.out_h * 2 * g_.in_w; }

    const PoolGeometry& g_;
    bool two_;
    int64_t i_, last_, q_ = 0;
};

__attribute__((target("avx512f"))) void maxpool_pairs_avx512(const PoolGeometry& g, const PairSteps& s, int64_t first,
                                                             int64_t last, const float* x, float* y,
                                                             uint8_t* argmax) {
    const __m512i even = _mm512_load_si512(s.even), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    Steps steps(g, s, first, last);
    for (Step st; steps.next(st);) {
        const float* a = x + st.a;
        const float* b = x + st.b;
        const __m512 ta = _mm512_maskz_loadu_ps(st.load_a, a), tb = _mm512_maskz_loadu_ps(st.load_b, b);
        const __m512 ba = _mm512_maskz_loadu_ps(st.load_a, a + g.in_w);
        const __m512 bb = _mm512_maskz_loadu_ps(st.load_b, b + g.in_w);
        // The window in row-major order: top-left, top-right, bottom-left, bottom-right.
        __m512 best = _mm512_permutex2var_ps(ta, even, tb);
        __m512i best_at = _mm512_setzero_si512();
        take_if_beats(_mm512_permutex2var_ps(ta, odd, tb), 1, best, best_at);
        take_if_beats(_mm512_permutex2var_ps(ba, even, bb), 2, best, best_at);
        take_if_beats(_mm512_permutex2var_ps(ba, odd, bb), 3, best, best_at);
        const __mmask16 out = lanes(st.outputs);
        _mm512_mask_storeu_ps(y + st.j, out, best);
        if (argmax != nullptr) _mm512_mask_cvtepi32_storeu_epi8(argmax + st.j, out, best_at);
    }
}

// Whether the AVX-512 row-pair kernel takes a 2x2/2 pool.
bool pairs_avx512(const PoolGeometry& g) { return is_2x2(g) && cpu_features().avx512f && g.out_h > 0 && g.out_w > 0; }

// Runs body(first, last) over ranges of row pairs, split between the threads in whole two-pair
// steps, so that the steps (and so the results) are the same for any split.
template <class Body>
void for_pair_ranges(anvil_context& ctx, const PoolGeometry& g, Body&& body) {
    const int64_t pairs = g.planes * g.out_h;
    parallel_for(ctx.pool, (pairs + 1) / 2, std::max<int64_t>(1, plane_grain(g) * g.out_h / 2),
                 [&](int64_t b, int64_t e) { body(2 * b, std::min(2 * e, pairs)); });
}

template <class Index>
void maxpool_forward_planes(anvil_context& ctx, const PoolGeometry& g, const float* x, float* y, Index* argmax) {
    if constexpr (std::is_same_v<Index, uint8_t>) {
        if (pairs_avx512(g)) {
            const PairSteps s = pair_steps(g);
            for_pair_ranges(ctx, g, [&](int64_t first, int64_t last) {
                maxpool_pairs_avx512(g, s, first, last, x, y, argmax);
            });
            return;
        }
    }
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = x + p * g.in_plane();
            float* yp = y + p * g.out_plane();
            Index* ap = argmax != nullptr ? argmax + p * g.out_plane() : nullptr;
            if constexpr (std::is_same_v<Index, uint8_t>) {
                if (is_2x2(g)) {
                    if (ap != nullptr) {
                        maxpool_plane_2x2<true>(g, xp, yp, ap);
                    } else {
                        maxpool_plane_2x2<false>(g, xp, yp, nullptr);
                    }
                    continue;
                }
            }
            maxpool_plane(g, xp, yp, ap);
        }
    });
}

// ------------------------------------------------------------------ 2x2/2 backward as a stream
//
// When the windows cover the input exactly (even height and width), dx is one contiguous run of
// row pairs, row pair i taking the gradients of output row i, and the outputs (with their argmax
// bytes) of all planes are one contiguous run too. The kernel below writes dx 16 floats at a time
// with whole stores that line up with the cache lines: a step of G row pairs is a whole number of
// vectors. Each dx lane takes dy of its window where the window's argmax is the lane's position in
// it, else zero: one byte shuffle spreads the argmax of the step's windows over 64 lanes, one
// compare gives 64 lanes' masks, and a float shuffle per vector places dy. The work is moving
// memory (dx is 4 times dy): writing rows of 28 floats with masked stores that straddle cache
// lines, and reading int32 plane indices, took half as long again.

// Lane tables of the steps for one geometry.
struct StreamSteps {
    int64_t pairs;    // row pairs per step G: the fewest whose 2 G in_w floats are whole vectors
    int64_t vectors;  // dx vectors per step, at most 8
    int64_t windows;  // outputs per step, G out_w <= 32
    alignas(64) uint8_t window_of[128];  // which of the step's windows each dx lane belongs to
    alignas(64) uint8_t position[128];   // the lane's position in its window: 0 to 3
    alignas(64) int32_t source[8][16];   // window_of, as the indices of the float shuffles
};

// Whether the stream kernel takes this geometry, and its tables if so.
bool stream_steps(const PoolGeometry& g, StreamSteps& s) {
    if (!is_2x2(g) || !cpu_features().avx512vbmi || g.in_w != 2 * g.out_w || g.in_h != 2 * g.out_h) return false;
    s.pairs = 8 / std::gcd<int64_t>(8, g.in_w);
    s.vectors = s.pairs * g.in_w / 8;
    s.windows = s.pairs * g.out_w;
    if (s.vectors > 8) return false;
    for (int64_t f = 0; f < 16 * s.vectors; ++f) {
        const int64_t pair = f / (2 * g.in_w), row = f % (2 * g.in_w) / g.in_w, col = f % g.in_w;
        s.window_of[f] = static_cast<uint8_t>(pair * g.out_w + col / 2);
        s.position[f] = static_cast<uint8_t>(2 * row + col % 2);
        s.source[f / 16][f % 16] = s.window_of[f];
    }
    return true;
}

// Steps [first, last) of the stream. V (the vectors per step) is a template argument so that the
// lane tables stay in registers.
template <int V>
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void maxpool_backward_stream(
    const StreamSteps& s, int64_t first, int64_t last, const float* dy, const uint8_t* argmax, float* dx) {
    const __m512i window_of[2] = {_mm512_load_si512(s.window_of), _mm512_load_si512(s.window_of + 64)};
    const __m512i position[2] = {_mm512_load_si512(s.position), _mm512_load_si512(s.position + 64)};
    __m512i source[V];
    for (int k = 0; k < V; ++k) source[k] = _mm512_load_si512(s.source[k]);
    const int64_t n = s.windows;
    const __mmask16 load0 = lanes(n), load1 = lanes(n - 16);
    const __mmask64 load_bytes = (__mmask64{1} << n) - 1;  // n <= 32
    for (int64_t t = first; t < last; ++t) {
        const __m512 g0 = _mm512_maskz_loadu_ps(load0, dy + t * n), g1 = _mm512_maskz_loadu_ps(load1, dy + t * n + 16);
        const __m512i at = _mm512_maskz_loadu_epi8(load_bytes, argmax + t * n);
        __mmask64 mine[2];
        for (int h = 0; h < (V + 3) / 4; ++h) {
            // (The masked form: GCC 12 warns about the undefined source of the unmasked one.)
            mine[h] = _mm512_cmpeq_epi8_mask(_mm512_maskz_permutexvar_epi8(~__mmask64{0}, window_of[h], at), position[h]);
        }
        float* out = dx + t * 16 * V;
        for (int k = 0; k < V; ++k) {
            const __mmask16 m = static_cast<__mmask16>(mine[k / 4] >> (16 * (k % 4)));
            _mm512_storeu_ps(out + 16 * k, _mm512_maskz_permutex2var_ps(m, g0, source[k], g1));
        }
    }
}

// The whole stream: whole steps split between the threads, then the row pairs after the last
// whole step (fewer than G) one window at a time.
void maxpool_backward_streamed(anvil_context& ctx, const PoolGeometry& g, const StreamSteps& s, const float* dy,
                               const uint8_t* argmax, float* dx) {
    using Kernel = void (*)(const StreamSteps&, int64_t, int64_t, const float*, const uint8_t*, float*);
    static constexpr Kernel kernels[8] = {maxpool_backward_stream<1>, maxpool_backward_stream<2>,
                                          maxpool_backward_stream<3>, maxpool_backward_stream<4>,
                                          maxpool_backward_stream<5>, maxpool_backward_stream<6>,
                                          maxpool_backward_stream<7>, maxpool_backward_stream<8>};
    const Kernel kernel = kernels[s.vectors - 1];
    const int64_t steps = g.planes * g.out_h / s.pairs;
    // At least ~16 KB of dx per thread.
    parallel_for(ctx.pool, steps, std::max<int64_t>(1, 256 / s.vectors),
                 [&](int64_t first, int64_t last) { kernel(s, first, last, dy, argmax, dx); });
    for (int64_t j = steps * s.windows; j < g.planes * g.out_plane(); ++j) {
        float* top_left = dx + j / g.out_plane() * g.in_plane() + 2 * (j % g.out_plane() / g.out_w) * g.in_w +
                          2 * (j % g.out_w);
        for (int at = 0; at < 4; ++at) top_left[at / 2 * g.in_w + at % 2] = argmax[j] == at ? dy[j] : 0.0f;
    }
}

// dy in the lanes whose window has its maximum at `position`, else zero.
__attribute__((target("avx512f"), always_inline)) inline __m512 gradient_at(int position, __m512i argmax, __m512 dy) {
    return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(argmax, _mm512_set1_epi32(position)), dy);
}

// Backward of the 2x2/2 pool over planes [p0, p1) where the stream does not apply (a width or
// height that drops a column or a row, or rows too wide for its tables): each dx row is written
// once, straight from the windows (16 outputs at a time: the four candidates of each window as
// masked copies of dy, interleaved into the two rows). Rows and columns outside every window get
// zeros.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void maxpool_backward_2x2_avx512(
    const PoolGeometry& g, int64_t p0, int64_t p1, const float* dy, const uint8_t* argmax, float* dx) {
    const __m512i pairs_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i pairs_hi = _mm512_add_epi32(pairs_lo, _mm512_set1_epi32(8));
    const int64_t covered = 2 * g.out_w;  // columns inside windows
    for (int64_t p = p0; p < p1; ++p) {
        float* dxp = dx + p * g.in_plane();
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
            const float* gy = dy + p * g.out_plane() + oh * g.out_w;
            const uint8_t* at = argmax + p * g.out_plane() + oh * g.out_w;
            float* top = dxp + 2 * oh * g.in_w;
            float* bottom = top + g.in_w;
            for (int64_t q = 0; q < g.out_w; q += 16) {
                const __mmask16 m = lanes(g.out_w - q);
                const __m512 v = _mm512_maskz_loadu_ps(m, gy + q);
                const __m512i d = _mm512_maskz_cvtepu8_epi32(m, _mm_maskz_loadu_epi8(m, at + q));
                const __m512 tl = gradient_at(0, d, v), tr = gradient_at(1, d, v);
                const __m512 bl = gradient_at(2, d, v), br = gradient_at(3, d, v);
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

// Any window: zero each dx plane and send every output's gradient to its maximum. "+=": with
// overlapping windows one input can be the maximum of several outputs. Positions outside the
// window (only a corrupted argmax holds them) are skipped rather than written out of bounds.
template <class Index>
void maxpool_backward_scatter(anvil_context& ctx, const PoolGeometry& g, const float* dy, const Index* argmax, float* dx) {
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            float* dxp = dx + p * g.in_plane();
            std::memset(dxp, 0, static_cast<size_t>(g.in_plane()) * sizeof(float));
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
                for (int64_t ow = 0; ow < g.out_w; ++ow) {
                    const int64_t j = p * g.out_plane() + oh * g.out_w + ow;
                    const int64_t at = argmax[j];
                    const PoolWindow win = pool_window(g, oh, ow);
                    const int64_t h = win.top + at / g.kw, w = win.left + at % g.kw;
                    if (at < 0 || h < win.h0 || h >= win.h1 || w < win.w0 || w >= win.w1) continue;
                    dxp[h * g.in_w + w] += dy[j];
                }
            }
        }
    });
}

}  // namespace

void maxpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y, void* argmax) {
    const PoolGeometry g = pool_geometry(d);
    if (maxpool2d_index_bytes(d) == 1) {
        maxpool_forward_planes(ctx, g, x, y, static_cast<uint8_t*>(argmax));
    } else {
        maxpool_forward_planes(ctx, g, x, y, static_cast<int32_t*>(argmax));
    }
}

void maxpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, const void* argmax,
                        float* dx) {
    const PoolGeometry g = pool_geometry(d);
    if (maxpool2d_index_bytes(d) == 4) {
        maxpool_backward_scatter(ctx, g, dy, static_cast<const int32_t*>(argmax), dx);
        return;
    }
    const auto* at = static_cast<const uint8_t*>(argmax);
    StreamSteps s;
    if (stream_steps(g, s)) {
        maxpool_backward_streamed(ctx, g, s, dy, at, dx);
    } else if (pairs_avx512(g) && cpu_features().avx512vbmi && g.out_w > 8) {
        // (Rows of up to 8 outputs would leave most lanes idle: the scatter is faster there.)
        parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
            maxpool_backward_2x2_avx512(g, p0, p1, dy, at, dx);
        });
    } else {
        maxpool_backward_scatter(ctx, g, dy, at, dx);
    }
}

void avgpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y) {
    const PoolGeometry g = pool_geometry(d);
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = x + p * g.in_plane();
            float* yp = y + p * g.out_plane();
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
                for (int64_t ow = 0; ow < g.out_w; ++ow) {
                    PoolWindow win = pool_window(g, oh, ow);
                    float sum = 0.0f;
                    for (int64_t h = win.h0; h < win.h1; ++h) {
                        for (int64_t w = win.w0; w < win.w1; ++w) sum += xp[h * g.in_w + w];
                    }
                    yp[oh * g.out_w + ow] = sum / static_cast<float>(avg_divisor(g, win));
                }
            }
        }
    });
}

void avgpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, float* dx) {
    const PoolGeometry g = pool_geometry(d);
    parallel_for(ctx.pool, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            float* dxp = dx + p * g.in_plane();
            const float* dyp = dy + p * g.out_plane();
            std::memset(dxp, 0, static_cast<size_t>(g.in_plane()) * sizeof(float));
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
                for (int64_t ow = 0; ow < g.out_w; ++ow) {
                    PoolWindow win = pool_window(g, oh, ow);
                    const float share =
                        dyp[oh * g.out_w + ow] / static_cast<float>(avg_divisor(g, win));
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
