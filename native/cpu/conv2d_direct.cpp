// Direct stride-1 conv2d on AVX-512. All three passes are one kind of product, a "correlation"
// of zero-padded planes with a packed weight table:
//   out[i][o] = sum_p in[i + off[p]] * wt[p][o]       for i < MR positions, o < NR channels
// where `in` points at the first of MR neighbouring input positions and off[p] is where window
// tap p lies relative to it. Taps run in (kw, kh, c) order, window column outermost: an output
// row sums one window column at a time, over the taps of the window rows that read data (a
// contiguous run of the column's taps) and the positions of the tile whose column reads data
// (a sub-tile), so that no multiply-add touches padding (with padding 2 of a 5x5 window on
// 14x14 planes, 16% of them would). The micro-kernel keeps the MR x NR tile in registers for the
// whole run, broadcasting inputs straight from the padded planes (no column matrix, no packing
// of the large operand) and loading NR channels of packed weights per tap. Where a tile is a
// whole row of a "same" layer, one call runs all the window columns (window_kernel).
//   forward          in = x padded by the conv padding; taps (kw, kh, c); wt[p][o] = w[o][c][kh][kw]
//   backward-data    in = dy padded so that the transposed conv becomes a plain one; taps
//                    (kw, kh, o) of the flipped window; wt[p][c] = w[o][c][KH-1-kh][KW-1-kw]
//   backward-weight  the roles turn around: the MR "positions" are MR neighbouring kw taps of
//                    one (c, kh) row, the sum runs over output positions p (off[p] = where p
//                    lies in the padded x) and wt[p][o] is dy transposed to positions x channels;
//                    for each kh the sum skips the output rows whose window row is padding, and
//                    for a window 2E + 1 wide with padding E, the padding columns as well
//                    (weight_row_kernel).
// Layers with few output channels or few taps (the first layer of a network) take row tiles
// instead, the same sum with the lanes along an output row and taps in (kh, c, kw) order (see
// row_kernel); they skip the window rows over padding only.
// Forward and backward-data split rows of output over the threads and compute every output from
// the same data in the same order, so they do not depend on the thread count. Backward-weight
// splits the images: each worker sums its images into its own partial gradient, and the
// partials are added in worker order (deterministic for a given thread count).
#include "cpu/conv2d_direct.h"
#include "cpu/transpose16.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

#include "cpu_features.h"
#include "shapes.h"

namespace anvil::cpu {

namespace {

// Workspace slots (see gemm.h for the list).
constexpr size_t kWeightSlot = 19;
constexpr size_t kOffsetSlot = 20;
constexpr size_t kPlaneSlot = 21;
constexpr size_t kGradOutSlot = 22;
constexpr size_t kPartialSlot = 23;
constexpr size_t kBiasSlot = 24;

// ------------------------------------------------------------------ micro-kernel

// out[i * 16NV + o] (+)= sum_{p < k} in[i + off[p]] * wt[p * 16NV + o]. With `add` the tile in
// `out` is the starting value (a running sum over several calls), otherwise it is overwritten.
// Registers: MR * NV accumulators, NV weight vectors and one broadcast must fit the 32 zmm.
template <int MR, int NV>
__attribute__((target("avx512f"))) void tile_kernel(int64_t k, const float* in, const int32_t* off, const float* wt,
                                                     float* out, bool add) {
    constexpr int nr = 16 * NV;
    __m512 acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = add ? _mm512_load_ps(out + i * nr + v * 16) : _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < k; ++p) {
        const float* src = in + off[p];
        __m512 wv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wv[v] = _mm512_load_ps(wt + v * 16);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const __m512 a = _mm512_set1_ps(src[i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, wv[v], acc[i][v]);
        }
        wt += nr;
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) _mm512_store_ps(out + i * nr + v * 16, acc[i][v]);
    }
}

using TileKernel = void (*)(int64_t, const float*, const int32_t*, const float*, float*, bool);

// Largest MR per NV that keeps everything in registers, and the largest tile.
constexpr int max_mr(int nv) { return nv == 4 ? 6 : 14; }
constexpr int64_t kMaxTileFloats = 14 * 32;

template <int NV, size_t... I>
constexpr std::array<TileKernel, sizeof...(I)> kernels_for(std::index_sequence<I...>) {
    return {tile_kernel<static_cast<int>(I) + 1, NV>...};
}

// The kernel for MR positions and 16 * nv channels.
TileKernel kernel(int64_t mr, int nv) {
    static constexpr auto k1 = kernels_for<1>(std::make_index_sequence<max_mr(1)>());
    static constexpr auto k2 = kernels_for<2>(std::make_index_sequence<max_mr(2)>());
    static constexpr auto k4 = kernels_for<4>(std::make_index_sequence<max_mr(4)>());
    return nv == 1 ? k1[mr - 1] : nv == 2 ? k2[mr - 1] : k4[mr - 1];
}

// The backward-weight sum of one (c, kh) window row when the window is 2E + 1 columns wide with
// padding E on both sides (stride 1, no dilation, so the output rows are as wide as the input's):
//   out[i][o] (+)= sum over r < rows, q < ow of x[r * pw + q + i] * g[(r * ow + q) * nr + o]
// for all 2E + 1 taps i, with x the padded input rows read by this window row and g the rows of
// dy transposed (positions x nr channels). It skips the multiply-adds on padding columns, which
// tile_kernel cannot: output column q < E has no data under taps i < E - q, column ow - E + j
// none under taps i >= 2E - j.
template <int MR, int NV>
__attribute__((target("avx512f"), always_inline)) inline void weight_step(__m512 (&acc)[MR][NV], const float* x,
                                                                          const float* g, int lo, int hi) {
    __m512 wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wv[v] = _mm512_load_ps(g + v * 16);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
        if (i < lo || i >= hi) continue;
        const __m512 a = _mm512_set1_ps(x[i]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, wv[v], acc[i][v]);
    }
}

template <int E, int NV>
__attribute__((target("avx512f"))) void weight_row_kernel(int64_t rows, const float* x, int64_t pw, int64_t ow,
                                                           const float* g, float* out, bool add) {
    constexpr int MR = 2 * E + 1, nr = 16 * NV;
    __m512 acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = add ? _mm512_load_ps(out + i * nr + v * 16) : _mm512_setzero_ps();
    }
    for (int64_t r = 0; r < rows; ++r, x += pw, g += ow * nr) {
#pragma GCC unroll 4
        for (int q = 0; q < E; ++q) weight_step<MR, NV>(acc, x + q, g + q * nr, E - q, MR);
        for (int64_t q = E; q < ow - E; ++q) weight_step<MR, NV>(acc, x + q, g + q * nr, 0, MR);
#pragma GCC unroll 4
        for (int j = 0; j < E; ++j) weight_step<MR, NV>(acc, x + ow - E + j, g + (ow - E + j) * nr, 0, 2 * E - j);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) _mm512_store_ps(out + i * nr + v * 16, acc[i][v]);
    }
}

using WeightRowKernel = void (*)(int64_t, const float*, int64_t, int64_t, const float*, float*, bool);

// The weight_row_kernel for padding e and 16 * nv channels, or null where there is none (its
// 2e + 1 taps must fit the registers as tile_kernel's positions do).
WeightRowKernel weight_row_kernel_for(int64_t e, int nv) {
    if (e < 1 || e > 3 || 2 * e + 1 > max_mr(nv)) return nullptr;
    static constexpr WeightRowKernel k1[] = {weight_row_kernel<1, 1>, weight_row_kernel<2, 1>, weight_row_kernel<3, 1>};
    static constexpr WeightRowKernel k2[] = {weight_row_kernel<1, 2>, weight_row_kernel<2, 2>, weight_row_kernel<3, 2>};
    static constexpr WeightRowKernel k4[] = {weight_row_kernel<1, 4>, weight_row_kernel<2, 4>};
    return nv == 1 ? k1[e - 1] : nv == 2 ? k2[e - 1] : k4[e - 1];
}

// One window column of window_kernel: k taps over positions [LO, HI) of the tile.
template <int MR, int NV, int LO, int HI>
__attribute__((target("avx512f"), always_inline)) inline void window_column(__m512 (&acc)[MR][NV], int64_t k,
                                                                            const float* in, const int32_t* off,
                                                                            const float* wt) {
    for (int64_t p = 0; p < k; ++p) {
        const float* src = in + off[p];
        __m512 wv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wv[v] = _mm512_load_ps(wt + v * 16);
#pragma GCC unroll 16
        for (int i = LO; i < HI; ++i) {
            const __m512 a = _mm512_set1_ps(src[i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, wv[v], acc[i][v]);
        }
        wt += 16 * NV;
    }
}

// tile_kernel over a whole window when the tile is a whole output row of a correlation padded
// by E columns on each side of its data, with a window 2E + 1 columns wide (a "same" layer):
// window column kw reads data at positions [max(0, E - kw), min(MR, MR + E - kw)), known at
// compile time, so that the tile stays in registers for the whole window instead of being saved
// and reloaded around one call per column. Column kw's k taps start at off + kw * stride and its
// weights at wt + kw * stride * 16NV.
template <int MR, int NV, int E, int... KW>
__attribute__((target("avx512f"), always_inline)) inline void window_columns(__m512 (&acc)[MR][NV], int64_t k,
                                                                             const float* in, const int32_t* off,
                                                                             int64_t stride, const float* wt,
                                                                             std::integer_sequence<int, KW...>) {
    (window_column<MR, NV, std::max(0, E - KW), std::min(MR, MR + E - KW)>(acc, k, in, off + KW * stride,
                                                                            wt + KW * stride * 16 * NV),
     ...);
}

template <int MR, int NV, int E>
__attribute__((target("avx512f"))) void window_kernel(int64_t k, const float* in, const int32_t* off, int64_t stride,
                                                       const float* wt, float* out) {
    __m512 acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    window_columns<MR, NV, E>(acc, k, in, off, stride, wt, std::make_integer_sequence<int, 2 * E + 1>());
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) _mm512_store_ps(out + i * 16 * NV + v * 16, acc[i][v]);
    }
}

using WindowKernel = void (*)(int64_t, const float*, const int32_t*, int64_t, const float*, float*);

template <int NV, int E, size_t... I>
constexpr std::array<WindowKernel, sizeof...(I)> window_kernels_for(std::index_sequence<I...>) {
    return {window_kernel<static_cast<int>(I) + 2 * E + 1, NV, E>...};
}

// The window_kernel for rows of mr positions, 16 * nv channels and padding e, or null where
// there is none: padding 1 or 2, rows at least as wide as the window, nv 1 or 2.
WindowKernel window_kernel_for(int64_t mr, int nv, int64_t e) {
    static constexpr auto k11 = window_kernels_for<1, 1>(std::make_index_sequence<max_mr(1) - 2>());
    static constexpr auto k12 = window_kernels_for<1, 2>(std::make_index_sequence<max_mr(1) - 4>());
    static constexpr auto k21 = window_kernels_for<2, 1>(std::make_index_sequence<max_mr(2) - 2>());
    static constexpr auto k22 = window_kernels_for<2, 2>(std::make_index_sequence<max_mr(2) - 4>());
    if ((e != 1 && e != 2) || (nv != 1 && nv != 2) || mr < 2 * e + 1 || mr > max_mr(nv)) return nullptr;
    const int64_t i = mr - 2 * e - 1;
    if (nv == 1) return e == 1 ? k11[i] : k12[i];
    return e == 1 ? k21[i] : k22[i];
}

// Vectors per channel block: enough for `channels`, at most 4 (NV = 4 only pays off with
// channels to fill it, as it allows fewer positions per tile).
int vectors_for(int64_t channels, int most) {
    if (channels <= 16) return 1;
    if (channels <= 32 || most < 4) return 2;
    return 4;
}

// The other orientation, for layers with few output channels or few taps, where the tile above
// would waste lanes or spend more time turning its tile around than computing it: the lanes run
// along an output row (32 positions, two vectors) and the weights are broadcast. MC channels x
// R rows x 32 positions, stored straight into the output planes, masked to `lanes` positions.
struct RowTile {
    int64_t k;
    const float* in;  // padded input at the tile's first position
    int64_t in_w;
    const int32_t* off;
    const float* wt;  // packed weights at the tile's first channel, rows of nr
    int64_t nr;
    float* out;       // output at the tile's first channel and position
    int64_t out_plane, out_w, lanes, channels;
    const float* bias;  // at the tile's first channel, or null
    int64_t kh_stride;  // taps between window rows kh and kh + 1 (row_kernel_reuse)
};

// Stores the accumulators of a row tile: acc[c][r] plus the bias of channel c, masked to the
// tile's lanes and channels.
template <int MC, int R>
__attribute__((target("avx512f"), always_inline)) inline void store_row_tile(const RowTile& t,
                                                                             const __m512 (&acc)[MC][R][2]) {
    const __mmask16 m0 = static_cast<__mmask16>(t.lanes >= 16 ? 0xFFFF : (1u << t.lanes) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(t.lanes >= 32 ? 0xFFFF : t.lanes > 16 ? (1u << (t.lanes - 16)) - 1 : 0);
#pragma GCC unroll 4
    for (int c = 0; c < MC; ++c) {
        if (c >= t.channels) break;
        const __m512 b = _mm512_set1_ps(t.bias != nullptr ? t.bias[c] : 0.0f);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            float* dst = t.out + c * t.out_plane + r * t.out_w;
            _mm512_mask_storeu_ps(dst, m0, _mm512_add_ps(acc[c][r][0], b));
            _mm512_mask_storeu_ps(dst + 16, m1, _mm512_add_ps(acc[c][r][1], b));
        }
    }
}

constexpr int64_t kRowLanes = 32;

template <int MC, int R>
__attribute__((target("avx512f"))) void row_kernel(const RowTile& t) {
    __m512 acc[MC][R][2];
#pragma GCC unroll 4
    for (int c = 0; c < MC; ++c) {
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) acc[c][r][0] = acc[c][r][1] = _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < t.k; ++p) {
        const float* src = t.in + t.off[p];
        const float* w = t.wt + p * t.nr;
        __m512 x[R][2];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            x[r][0] = _mm512_loadu_ps(src + r * t.in_w);
            x[r][1] = _mm512_loadu_ps(src + r * t.in_w + 16);
        }
#pragma GCC unroll 4
        for (int c = 0; c < MC; ++c) {
            const __m512 wc = _mm512_set1_ps(w[c]);
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) {
                acc[c][r][0] = _mm512_fmadd_ps(wc, x[r][0], acc[c][r][0]);
                acc[c][r][1] = _mm512_fmadd_ps(wc, x[r][1], acc[c][r][1]);
            }
        }
    }
    store_row_tile<MC, R>(t, acc);
}

// One channel by R rows, for a window KH rows tall without dilation: there each input row feeds
// up to KH output rows (through taps kh = 0 .. KH - 1), so the kernel loads every input row of
// a (channel, kw) tap column once and uses it KH times, instead of reloading it for every tap
// as row_kernel<1, R> does (which leaves that kernel waiting on loads). It always runs the whole
// window (t.k and t.off start at kh = 0).
template <int R, int KH>
__attribute__((target("avx512f"))) void row_kernel_reuse(const RowTile& t) {
    __m512 acc[1][R][2];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[0][r][0] = acc[0][r][1] = _mm512_setzero_ps();
    {
        for (int64_t p = 0; p < t.kh_stride; ++p) {  // the (c, kw) taps of window row 0
            const float* src = t.in + t.off[p];
            __m512 w[KH];
#pragma GCC unroll 8
            for (int kh = 0; kh < KH; ++kh) w[kh] = _mm512_set1_ps(t.wt[(p + kh * t.kh_stride) * t.nr]);
#pragma GCC unroll 32
            for (int j = 0; j < R + KH - 1; ++j) {
                const __m512 x0 = _mm512_loadu_ps(src + j * t.in_w);
                const __m512 x1 = _mm512_loadu_ps(src + j * t.in_w + 16);
#pragma GCC unroll 8
                for (int kh = 0; kh < KH; ++kh) {
                    const int r = j - kh;
                    if (r < 0 || r >= R) continue;
                    acc[0][r][0] = _mm512_fmadd_ps(w[kh], x0, acc[0][r][0]);
                    acc[0][r][1] = _mm512_fmadd_ps(w[kh], x1, acc[0][r][1]);
                }
            }
        }
    }
    store_row_tile<1, R>(t, acc);
}

using RowKernel = void (*)(const RowTile&);

// Channels x rows of the row tiles: four channels by three rows fill the registers; with fewer
// than four channels, one channel by six rows (its inputs then feed the multiply-adds straight
// from memory), or by twelve rows where row_kernel_reuse applies.
constexpr int kRowChannels = 4, kRowRows = 3, kRowRowsSingle = 6, kRowRowsReuse = 12;

template <int MC, size_t... I>
constexpr std::array<RowKernel, sizeof...(I)> row_kernels_for(std::index_sequence<I...>) {
    return {row_kernel<MC, static_cast<int>(I) + 1>...};
}

template <int KH, size_t... I>
constexpr std::array<RowKernel, sizeof...(I)> reuse_kernels_for(std::index_sequence<I...>) {
    return {row_kernel_reuse<static_cast<int>(I) + 1, KH>...};
}

// Window heights with a row_kernel_reuse.
bool reuse_height(int64_t kh) { return kh == 3 || kh == 5; }

// mc channels by `rows` rows; `reuse`: row_kernel_reuse for a window kh rows tall.
RowKernel row_kernel_for(int mc, int64_t rows, bool reuse, int64_t kh) {
    static constexpr auto k4 = row_kernels_for<kRowChannels>(std::make_index_sequence<kRowRows>());
    static constexpr auto k1 = row_kernels_for<1>(std::make_index_sequence<kRowRowsSingle>());
    static constexpr auto r3 = reuse_kernels_for<3>(std::make_index_sequence<kRowRowsReuse>());
    static constexpr auto r5 = reuse_kernels_for<5>(std::make_index_sequence<kRowRowsReuse>());
    if (reuse) return kh == 3 ? r3[rows - 1] : r5[rows - 1];
    return mc == kRowChannels ? k4[rows - 1] : k1[rows - 1];
}

// Splits `extent` into the fewest chunks of at most `most`, as even as possible; chunk j is
// [begin(j), begin(j + 1)).
struct Chunks {
    int64_t extent, count;
    int64_t begin(int64_t j) const { return extent * j / count; }
};

Chunks chunks(int64_t extent, int64_t most) { return {extent, (extent + most - 1) / most}; }

// ------------------------------------------------------------------ data preparation

// A stride-1 correlation over groups of planes: the shapes of one image and group.
struct Correlation {
    int64_t in_c, in_h, in_w;     // padded input planes
    int64_t out_c, out_h, out_w;  // output planes
    int64_t kh, kw, dil_h, dil_w;
    int64_t top, data_h;   // rows [top, top + data_h) of the padded planes hold data, the rest zeros
    int64_t left, data_w;  // and columns [left, left + data_w)
    int64_t taps() const { return in_c * kh * kw; }
    int64_t row_taps() const { return in_c * kw; }     // taps per window row
    int64_t column_taps() const { return in_c * kh; }  // taps per window column
};

// Whether a correlation takes row tiles rather than channel tiles: with under 8 channels most
// lanes of a channel tile would be padding, and with few taps per output turning the channel
// tile around costs about as much as computing it (given rows long enough to fill row tiles).
bool row_tiles(const Correlation& s) { return s.out_c < 8 || (s.taps() < 64 && s.out_w >= 24); }

struct Tap {
    int64_t c, kh, kw;
};

// Window tap p: in (kh, c, kw) order for row tiles, in (kw, kh, c) order for channel tiles,
// whose sum runs one window column at a time (see correlate).
Tap tap_of(const Correlation& s, int64_t p) {
    if (row_tiles(s)) return {p / s.kw % s.in_c, p / s.row_taps(), p % s.kw};
    return {p % s.in_c, p / s.in_c % s.kh, p / s.column_taps()};
}

// Window rows [begin, end) that read data for at least one of output rows [r0, r1): row kh
// reads padded rows r + kh * dil_h, and the rows that meet the data are consecutive. Empty
// (0, 0) when every row is padding.
struct Range {
    int64_t begin, end;
};

Range data_rows(const Correlation& s, int64_t r0, int64_t r1) {
    const int64_t lo = std::max<int64_t>(s.top, 0), hi = std::min(s.top + s.data_h, s.in_h);
    int64_t first = s.kh, last = -1;
    for (int64_t kh = 0; kh < s.kh; ++kh) {
        if (r0 + kh * s.dil_h < hi && r1 - 1 + kh * s.dil_h >= lo) {
            first = std::min(first, kh);
            last = kh;
        }
    }
    if (last < 0) return {0, 0};
    return {first, last + 1};
}

// Positions [begin, end) of the mr output positions from column q0 whose window column kw reads
// data (padded columns q + kw * dil_w in [left, left + data_w)); empty when none does.
Range data_columns(const Correlation& s, int64_t q0, int64_t mr, int64_t kw) {
    const int64_t begin = std::clamp<int64_t>(s.left - q0 - kw * s.dil_w, 0, mr);
    return {begin, std::clamp<int64_t>(s.left + s.data_w - q0 - kw * s.dil_w, begin, mr)};
}

// Copies `c` planes of h x w from src into dst planes of ph x pw, source row r landing on row
// r + top and column q on column q + left (either may be negative: that part is cropped). Only
// the copied cells are written: the rest of dst is zeroed once per call of a conv2d function and
// stays zero, as every image writes the same cells. Rows are short (often 10-30 floats): masked
// vector moves, one per 16 floats, beat a library call or a scalar tail per row.
__attribute__((target("avx512f"))) void copy_planes(const float* src, int64_t c, int64_t h, int64_t w, int64_t top,
                                                     int64_t left, int64_t ph, int64_t pw, float* dst) {
    const int64_t q_lo = std::clamp<int64_t>(left, 0, pw), q_hi = std::clamp<int64_t>(left + w, q_lo, pw);
    const int64_t r_lo = std::clamp<int64_t>(top, 0, ph), r_hi = std::clamp<int64_t>(top + h, r_lo, ph);
    const int64_t width = q_hi - q_lo;
    const __mmask16 tail = static_cast<__mmask16>((1u << (width % 16)) - 1);
    for (int64_t ch = 0; ch < c; ++ch, dst += ph * pw) {
        for (int64_t r = r_lo; r < r_hi; ++r) {
            const float* in = src + (ch * h + r - top) * w - left + q_lo;
            float* out = dst + r * pw + q_lo;
            int64_t q = 0;
            for (; q + 16 <= width; q += 16) _mm512_storeu_ps(out + q, _mm512_loadu_ps(in + q));
            if (tail != 0) _mm512_mask_storeu_ps(out + q, tail, _mm512_maskz_loadu_ps(tail, in + q));
        }
    }
}

// Prefetches slice `part` of `parts` of the n floats at p. The next image's data, a slice at a
// time while this one is computed, arrive in the cache without stalling the kernels on it.
void prefetch_part(const float* p, int64_t n, int64_t part, int64_t parts) {
    const int64_t lines = (n + 15) / 16;
    for (int64_t l = lines * part / parts; l < lines * (part + 1) / parts; ++l) {
        _mm_prefetch(reinterpret_cast<const char*>(p + l * 16), _MM_HINT_T0);
    }
}

// off[p] for tap p = (kh, c, kw) of a correlation: where the tap reads, relative to the output
// position, in the padded planes.
void tap_offsets(const Correlation& s, int32_t* off) {
    for (int64_t p = 0; p < s.taps(); ++p) {
        const Tap t = tap_of(s, p);
        off[p] = static_cast<int32_t>((t.c * s.in_h + t.kh * s.dil_h) * s.in_w + t.kw * s.dil_w);
    }
}

// Packs the weight table of a correlation for every group: for group g and block b of nr
// output channels, nr-wide rows of value(g, tap_of(p), o) over taps p, zero beyond s.out_c.
// The rows are split over the threads: packing reads the weights across their layout, and on
// one thread it would keep the others waiting for about 1% of a layer like conv2.
template <class Value>
void pack_weights(anvil_context& ctx, const Correlation& s, int64_t groups, int64_t nr, float* dst,
                  Value&& value) {
    const int64_t taps = s.taps(), blocks = (s.out_c + nr - 1) / nr;
    parallel_for(ctx.pool, groups * blocks * taps, 256, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            const int64_t g = row / (blocks * taps), b = row / taps % blocks * nr;
            const Tap t = tap_of(s, row % taps);
            float* out = dst + row * nr;
            for (int64_t o = 0; o < nr; ++o) out[o] = b + o < s.out_c ? value(g, t, b + o) : 0.0f;
        }
    });
}

int64_t round16(int64_t floats) { return (floats + 15) / 16 * 16; }

// dy of one image and group (channels x positions) as blocks of positions x nr channels, zero
// beyond `channels`: the weight table of the backward-weight correlation. Reads dy front to back
// in 16 x 16 squares and turns each around in registers.
__attribute__((target("avx512f"))) void transpose_blocks(const float* src, int64_t channels, int64_t positions,
                                                          int64_t nr, float* dst) {
    for (int64_t b = 0; b < channels; b += nr, dst += positions * nr) {
        for (int64_t c0 = b; c0 < b + nr; c0 += 16) {
            for (int64_t p0 = 0; p0 < positions; p0 += 16) {
                transpose_to_vectors(src + c0 * positions + p0, positions, channels - c0,
                                     std::min<int64_t>(16, positions - p0), dst + p0 * nr + (c0 - b), nr);
            }
        }
    }
}

// ------------------------------------------------------------------ the correlation

// Vectors of the channel blocks that pack_weights must produce for a correlation.
int correlation_vectors(const Correlation& s) { return vectors_for(s.out_c, 2); }

// out = correlation of the padded planes with the weights wt packed by pack_weights (+ bias), for
// `images` images of `groups` groups; copy(u, dst) writes the padded input planes of image-group
// u = n * groups + g (through copy_planes: dst comes zeroed).
template <class Copy>
void correlate(anvil_context& ctx, const Correlation& s, int64_t images, int64_t groups, const float* wt,
               const float* bias, float* out, Copy&& copy) {
    const int nv = correlation_vectors(s);
    const int64_t nr = 16 * nv, blocks = (s.out_c + nr - 1) / nr, taps = s.taps();
    const int64_t group_weights = blocks * taps * nr;
    const int64_t plane_floats = s.in_c * s.in_h * s.in_w;
    // Row tiles read up to a whole tile width past the last position of the planes.
    const int64_t plane_part = round16(plane_floats + kRowLanes);
    const int threads = ctx.pool.size();
    auto* off = ctx.workspace.get<int32_t>(kOffsetSlot, static_cast<size_t>(taps));
    float* planes = ctx.workspace.get<float>(kPlaneSlot, static_cast<size_t>(plane_part * threads));
    tap_offsets(s, off);

    const int64_t out_plane = s.out_h * s.out_w;
    const bool by_rows = row_tiles(s);
    const int mc = s.out_c >= kRowChannels ? kRowChannels : 1;
    const bool reuse = by_rows && mc == 1 && s.dil_h == 1 && reuse_height(s.kh);
    const int64_t rows_per_unit = !by_rows ? 1 : reuse ? kRowRowsReuse : mc == 1 ? kRowRowsSingle : kRowRows;
    const int64_t row_units = (s.out_h + rows_per_unit - 1) / rows_per_unit;
    const Chunks cols = chunks(s.out_w, max_mr(nv));
    const int64_t units = images * groups * row_units;  // some output rows of one image and group

    // A "same" layer whose rows fit one tile sums each tile over the whole window in one call.
    const int64_t pad = (s.kw - 1) / 2;
    const WindowKernel whole_window =
        !by_rows && cols.count == 1 && s.kw == 2 * pad + 1 && s.dil_w == 1 && s.left == pad && s.data_w == s.out_w
            ? window_kernel_for(s.out_w, nv, pad)
            : nullptr;
    // Writes a tile of mr positions from column q0 x `channels` channels from block b into the
    // output planes (the tile is positions x channels; the output is channel planes).
    auto store = [&](const float* tile, int64_t b, int64_t channels, int64_t u, int64_t row, int64_t q0,
                     int64_t mr) {
        const int64_t g = u % groups;
        float* dst = out + (u * s.out_c + b * nr) * out_plane + row * s.out_w + q0;
        for (int64_t o0 = 0; o0 < channels; o0 += 16) {
            store_channel_tile(tile + o0, nr, mr, std::min<int64_t>(16, channels - o0),
                               bias != nullptr ? bias + g * s.out_c + b * nr + o0 : nullptr, dst + o0 * out_plane,
                               out_plane);
        }
    };
    // Channel tiles for output row `row` of image-group u. The sum runs one window column kw at a
    // time, each over the tile's positions whose column kw reads data: with the window rows
    // skipped too, no multiply-add touches padding.
    auto channel_unit = [&](const float* in, int64_t u, int64_t row, float* tile) {
        const int64_t g = u % groups;
        const Range live = data_rows(s, row, row + 1);
        const int64_t k = (live.end - live.begin) * s.in_c;
        for (int64_t b = 0; b < blocks; ++b) {
            const int64_t channels = std::min(nr, s.out_c - b * nr);
            for (int64_t j = 0; j < cols.count; ++j) {
                const int64_t q0 = cols.begin(j), mr = cols.begin(j + 1) - q0;
                if (whole_window != nullptr && k > 0) {
                    const int64_t p0 = live.begin * s.in_c;
                    whole_window(k, in + row * s.in_w, off + p0, s.column_taps(),
                                 wt + g * group_weights + (b * taps + p0) * nr, tile);
                    store(tile, b, channels, u, row, q0, mr);
                    continue;
                }
                // Start at a window column that covers the whole tile, if one does, so that its
                // sum starts the tile and nothing has to zero it first.
                auto covers = [&](int64_t kw) {
                    const Range q = data_columns(s, q0, mr, kw);
                    return q.end - q.begin == mr;
                };
                int64_t first = 0;
                while (first + 1 < s.kw && !covers(first)) ++first;
                bool started = false;  // whether the tile holds a running sum yet
                for (int64_t i = 0; i < s.kw && k > 0; ++i) {
                    const int64_t kw = (first + i) % s.kw;
                    const Range q = data_columns(s, q0, mr, kw);
                    if (q.begin == q.end) continue;
                    if (!started && q.end - q.begin < mr) {
                        std::fill(tile, tile + mr * nr, 0.0f);
                        started = true;
                    }
                    const int64_t p0 = kw * s.column_taps() + live.begin * s.in_c;
                    kernel(q.end - q.begin, nv)(k, in + row * s.in_w + q0 + q.begin, off + p0,
                                                wt + g * group_weights + (b * taps + p0) * nr, tile + q.begin * nr,
                                                started);
                    started = true;
                }
                if (!started) std::fill(tile, tile + mr * nr, 0.0f);
                store(tile, b, channels, u, row, q0, mr);
            }
        }
    };
    // Row tiles for `rows` output rows from `row` of image-group u.
    auto row_unit = [&](const float* in, int64_t u, int64_t row, int64_t rows) {
        const int64_t g = u % groups;
        const RowKernel run = row_kernel_for(mc, rows, reuse, s.kh);
        const Range rows_live = reuse ? Range{0, s.kh} : data_rows(s, row, row + rows);
        const Range live{rows_live.begin * s.row_taps(), rows_live.end * s.row_taps()};
        for (int64_t c0 = 0; c0 < s.out_c; c0 += mc) {
            const int64_t b = c0 / nr;
            for (int64_t q0 = 0; q0 < s.out_w; q0 += kRowLanes) {
                run({live.end - live.begin, in + row * s.in_w + q0, s.in_w, off + live.begin,
                     wt + g * group_weights + (b * taps + live.begin) * nr + (c0 - b * nr), nr,
                     out + (u * s.out_c + c0) * out_plane + row * s.out_w + q0, out_plane, s.out_w,
                     std::min(kRowLanes, s.out_w - q0), std::min<int64_t>(mc, s.out_c - c0),
                     bias != nullptr ? bias + g * s.out_c + c0 : nullptr, s.row_taps()});
            }
        }
    };
    ctx.pool.run([&](int tid, int nthreads) {
        float* in = planes + plane_part * tid;
        std::fill(in, in + plane_part, 0.0f);
        alignas(64) float tile[kMaxTileFloats];
        int64_t padded = -1;
        for (int64_t unit = units * tid / nthreads; unit < units * (tid + 1) / nthreads; ++unit) {
            const int64_t u = unit / row_units, row = unit % row_units * rows_per_unit;
            if (u != padded) {
                copy(u, in);
                padded = u;
            }
            if (by_rows) {
                row_unit(in, u, row, std::min(rows_per_unit, s.out_h - row));
            } else {
                channel_unit(in, u, row, tile);
            }
        }
    });
}

// Stride 1 on AVX-512, with the padded planes of one image and group (for any of the three
// passes) small enough for the 32-bit offset tables.
bool handles(const anvil_conv2d_desc& d) {
    if (!cpu_features().avx512f || d.stride_h != 1 || d.stride_w != 1) return false;
    const int64_t channels = std::max(d.in_channels, d.out_channels) / d.groups;
    const int64_t rows = d.in_h + 2 * d.pad_h + d.dilation_h * (d.kernel_h - 1);
    const int64_t cols = d.in_w + 2 * d.pad_w + d.dilation_w * (d.kernel_w - 1);
    return channels * rows * cols < std::numeric_limits<int32_t>::max() / 2;
}

}  // namespace

bool conv2d_direct_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                           const float* bias, float* y) {
    if (!handles(d)) return false;
    const int64_t oh = conv2d_out_h(d), ow = conv2d_out_w(d);
    const int64_t cg = d.in_channels / d.groups, og = d.out_channels / d.groups;
    const int64_t reach_h = d.dilation_h * (d.kernel_h - 1), reach_w = d.dilation_w * (d.kernel_w - 1);
    const Correlation s{cg, oh + reach_h, ow + reach_w, og, oh, ow, d.kernel_h, d.kernel_w,
                        d.dilation_h, d.dilation_w, d.pad_h, d.in_h, d.pad_w, d.in_w};
    const int64_t nr = 16 * correlation_vectors(s), taps = s.taps();
    float* wt = ctx.workspace.get<float>(kWeightSlot,
                                         static_cast<size_t>(d.groups * ((og + nr - 1) / nr) * nr * taps));
    pack_weights(ctx, s, d.groups, nr, wt, [&](int64_t g, Tap t, int64_t o) {
        return w[(((g * og + o) * cg + t.c) * d.kernel_h + t.kh) * d.kernel_w + t.kw];
    });
    const int64_t in_plane = d.in_h * d.in_w;
    correlate(ctx, s, d.batch, d.groups, wt, bias, y, [&](int64_t u, float* dst) {
        copy_planes(x + u * cg * in_plane, cg, d.in_h, d.in_w, d.pad_h, d.pad_w, s.in_h, s.in_w, dst);
    });
    return true;
}

bool conv2d_direct_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                                 float* dx) {
    if (!handles(d)) return false;
    const int64_t oh = conv2d_out_h(d), ow = conv2d_out_w(d);
    const int64_t cg = d.in_channels / d.groups, og = d.out_channels / d.groups;
    const int64_t reach_h = d.dilation_h * (d.kernel_h - 1), reach_w = d.dilation_w * (d.kernel_w - 1);
    // dx[c][ih][iw] = sum over (o, kh, kw) of dy[o][ih + pad - kh dil][iw + ...] w[o][c][kh][kw]: with
    // dy shifted down by reach - pad and the window flipped, a plain correlation over dy.
    const Correlation s{og, d.in_h + reach_h, d.in_w + reach_w, cg, d.in_h, d.in_w, d.kernel_h, d.kernel_w,
                        d.dilation_h, d.dilation_w, reach_h - d.pad_h, oh, reach_w - d.pad_w, ow};
    const int64_t nr = 16 * correlation_vectors(s), taps = s.taps(), window = d.kernel_h * d.kernel_w;
    float* wt = ctx.workspace.get<float>(kWeightSlot,
                                         static_cast<size_t>(d.groups * ((cg + nr - 1) / nr) * nr * taps));
    pack_weights(ctx, s, d.groups, nr, wt, [&](int64_t g, Tap t, int64_t c) {  // t.c is the output channel
        const int64_t flipped = (d.kernel_h - 1 - t.kh) * d.kernel_w + d.kernel_w - 1 - t.kw;
        return w[((g * og + t.c) * cg + c) * window + flipped];
    });
    correlate(ctx, s, d.batch, d.groups, wt, nullptr, dx, [&](int64_t u, float* dst) {
        copy_planes(dy + u * og * oh * ow, og, oh, ow, reach_h - d.pad_h, reach_w - d.pad_w, s.in_h, s.in_w, dst);
    });
    return true;
}

bool conv2d_direct_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                                   float* dw, float* db, bool accumulate) {
    // The kernel's positions are neighbouring kw taps, one apart only without dilation; the
    // channels fill its lanes, and with under 8 most of each multiply-add would be wasted.
    if (!handles(d) || d.dilation_w != 1 || d.out_channels / d.groups < 8) return false;
    const int64_t oh = conv2d_out_h(d), ow = conv2d_out_w(d), positions = oh * ow;
    const int64_t cg = d.in_channels / d.groups, og = d.out_channels / d.groups;
    const int64_t groups = d.groups, kh_n = d.kernel_h, window = d.kernel_h * d.kernel_w;
    const int64_t ph = oh + d.dilation_h * (d.kernel_h - 1), pw = ow + d.kernel_w - 1;
    const int nv = vectors_for(og, 4);
    const int64_t nr = 16 * nv, blocks = (og + nr - 1) / nr;
    const Chunks taps = chunks(d.kernel_w, max_mr(nv));
    // A window as wide as twice its padding plus one has a kernel that skips the padding columns
    // (with rows wide enough to have both edges).
    const WeightRowKernel same_row = d.kernel_w == 2 * d.pad_w + 1 && ow >= 2 * d.pad_w
                                         ? weight_row_kernel_for(d.pad_w, nv)
                                         : nullptr;
    // Partial gradients are kept as kernel tiles: one per (group, block, c, kh, kw chunk).
    const int64_t tile_floats = max_mr(nv) * nr;
    const int64_t tiles = groups * blocks * cg * kh_n * taps.count;
    const int workers = static_cast<int>(std::min<int64_t>(ctx.pool.size(), d.batch));
    const int64_t plane_part = round16(cg * ph * pw), grad_part = round16(blocks * positions * nr);
    const int64_t partial_part = tiles * tile_floats;
    float* planes = ctx.workspace.get<float>(kPlaneSlot, static_cast<size_t>(plane_part * workers));
    float* grads = ctx.workspace.get<float>(kGradOutSlot, static_cast<size_t>(grad_part * workers));
    float* partials = ctx.workspace.get<float>(kPartialSlot, static_cast<size_t>(partial_part * workers));
    auto* off = ctx.workspace.get<int32_t>(kOffsetSlot, static_cast<size_t>(positions));
    // Bias gradient: the sum of each channel of each image, added over images in order below.
    double* sums = db != nullptr ? ctx.workspace.get<double>(kBiasSlot, static_cast<size_t>(d.batch * d.out_channels))
                                 : nullptr;
    for (int64_t r = 0; r < oh; ++r) {
        for (int64_t q = 0; q < ow; ++q) off[r * ow + q] = static_cast<int32_t>(r * pw + q);
    }
    // Window row kh meets data (padded rows [pad_h, pad_h + in_h)) for output rows
    // [live_begin(kh), live_end(kh)); the sum for its taps runs over those rows only.
    auto live_begin = [&](int64_t kh) { return std::clamp<int64_t>(d.pad_h - kh * d.dilation_h, 0, oh); };
    auto live_end = [&](int64_t kh) {
        return std::clamp<int64_t>(d.pad_h + d.in_h - kh * d.dilation_h, live_begin(kh), oh);
    };

    ctx.pool.run([&](int tid, int) {
        if (tid >= workers) return;
        float* in = planes + plane_part * tid;
        std::fill(in, in + plane_part, 0.0f);  // see copy_planes
        float* grad = grads + grad_part * tid;
        float* partial = partials + partial_part * tid;
        const int64_t first = d.batch * tid / workers, end = d.batch * (tid + 1) / workers;
        for (int64_t n = first; n < end; ++n) {
            for (int64_t g = 0; g < groups; ++g) {
                const int64_t u = n * groups + g;
                copy_planes(x + u * cg * d.in_h * d.in_w, cg, d.in_h, d.in_w, d.pad_h, d.pad_w, ph, pw, in);
                const float* dyu = dy + u * og * positions;
                transpose_blocks(dyu, og, positions, nr, grad);
                if (sums != nullptr) {
                    for (int64_t o = 0; o < og; ++o) sums[u * og + o] = channel_sum(dyu + o * positions, positions);
                }
                float* t = partial + g * blocks * cg * kh_n * taps.count * tile_floats;
                const bool more = n + 1 < end || g + 1 < groups;
                for (int64_t b = 0; b < blocks; ++b) {
                    for (int64_t c = 0; c < cg; ++c) {
                        if (more) {  // the next image-group's x and dy, a slice per (b, c)
                            prefetch_part(x + (u + 1) * cg * d.in_h * d.in_w, cg * d.in_h * d.in_w, b * cg + c,
                                          blocks * cg);
                            prefetch_part(dyu + og * positions, og * positions, b * cg + c, blocks * cg);
                        }
                        for (int64_t kh = 0; kh < kh_n; ++kh) {
                            const float* row = in + (c * ph + kh * d.dilation_h) * pw;
                            const int64_t p0 = live_begin(kh) * ow, count = live_end(kh) * ow - p0;
                            if (same_row != nullptr) {
                                same_row(live_end(kh) - live_begin(kh), row + live_begin(kh) * pw, pw, ow,
                                         grad + (b * positions + p0) * nr, t, n != first);
                                t += tile_floats;
                                continue;
                            }
                            for (int64_t j = 0; j < taps.count; ++j, t += tile_floats) {
                                const int64_t kw0 = taps.begin(j);
                                kernel(taps.begin(j + 1) - kw0, nv)(count, row + kw0, off + p0,
                                                                    grad + (b * positions + p0) * nr, t, n != first);
                            }
                        }
                    }
                }
            }
        }
    });

    // dw[o][c][kh][kw] = (dw +) the partials in worker order.
    parallel_for(ctx.pool, groups * blocks * cg, 1, [&](int64_t begin, int64_t end) {
        for (int64_t gbc = begin; gbc < end; ++gbc) {
            const int64_t g = gbc / (blocks * cg), b = gbc / cg % blocks, c = gbc % cg;
            for (int64_t kh = 0; kh < kh_n; ++kh) {
                for (int64_t j = 0; j < taps.count; ++j) {
                    const int64_t tile = (gbc * kh_n + kh) * taps.count + j;
                    for (int64_t i = 0; i < taps.begin(j + 1) - taps.begin(j); ++i) {
                        const int64_t kw = taps.begin(j) + i;
                        for (int64_t o = 0; o < std::min(nr, og - b * nr); ++o) {
                            float& target = dw[((g * og + b * nr + o) * cg + c) * window + kh * d.kernel_w + kw];
                            float sum = accumulate ? target : 0.0f;
                            for (int wk = 0; wk < workers; ++wk) {
                                sum += partials[wk * partial_part + tile * tile_floats + i * nr + o];
                            }
                            target = sum;
                        }
                    }
                }
            }
        }
    });
    if (db != nullptr) add_bias_sums(sums, d.batch, d.out_channels, db, accumulate);
    return true;
}

void add_bias_sums(const double* sums, int64_t images, int64_t channels, float* db, bool accumulate) {
    for (int64_t o = 0; o < channels; ++o) {
        double total = 0.0;
        for (int64_t n = 0; n < images; ++n) total += sums[n * channels + o];
        db[o] = static_cast<float>(accumulate ? db[o] + total : total);
    }
}

namespace {

// channel_sum's 32 lanes as four vectors of eight doubles. (The maskz conversion with every lane
// selected is the plain one; GCC 12 warns about the plain intrinsic's undefined source.)
__attribute__((target("avx512f"))) double channel_sum_avx512(const float* x, int64_t n) {
    __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; ++k) {
            acc[k] = _mm512_add_pd(acc[k], _mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(x + i + 8 * k)));
        }
    }
    alignas(64) double lanes[32];
    for (int k = 0; k < 4; ++k) _mm512_store_pd(lanes + 8 * k, acc[k]);
    double total = 0.0;
    for (double lane : lanes) total += lane;
    for (; i < n; ++i) total += x[i];
    return total;
}

}  // namespace

double channel_sum(const float* x, int64_t n) {
    if (cpu_features().avx512f) return channel_sum_avx512(x, n);
    double lanes[32] = {};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int l = 0; l < 32; ++l) lanes[l] += x[i + l];
    }
    double total = 0.0;
    for (double lane : lanes) total += lane;
    for (; i < n; ++i) total += x[i];
    return total;
}

}  // namespace anvil::cpu
