// Winograd F(2x2, 5x5) for "same" 5x5 convolutions (stride 1, padding 2) and F(4x4, 3x3) for
// "same" 3x3 convolutions (padding 1) with many channels: the second layer of a small CNN and the
// layers of a ResNet. Each m x m block of outputs of channel o is
//   y = A^T [ sum_c (G g_oc G^T) . (B^T d_c B) ] A
// over the 6x6 input block d_c of every input channel c (". " elementwise): 36 multiplies per
// block and channel pair where the direct sum takes 100 (F(2x2, 5x5): 4 outputs of 25 taps) or
// 144 (F(4x4, 3x3): 16 outputs of 9 taps) (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", CVPR 2016). The sum over c is 36 independent products of (blocks x C) by
// (C x O) matrices, one per element of the 6x6 transform, which is where the time goes; the
// transforms are additions of a few terms with small integer coefficients.
//
// Both use the interpolation points 0, 1, -1, 2, -2 (and infinity), so they share B^T:
//   B^T = [4  0 -5  0 1 0]
//         [0 -4 -4  1 1 0]
//         [0  4 -4 -1 1 0]
//         [0 -2 -1  2 1 0]
//         [0  2 -1 -2 1 0]
//         [0  4  0 -5 0 1]
// and differ in A^T (m x 6) and G (6 x r), given with each variant below (the Toom-Cook
// construction for these points; conv2d_test compares all three passes with the definition in
// double). In float the result differs from the direct sum by a few 1e-6 of the output's scale
// for F(2x2, 5x5), a few times more for F(4x4, 3x3), whose A^T has entries up to 8: the price of
// the transforms' larger intermediates. The weight gradient runs the same transforms the other
// way (see below).
//
// Layout: the input of one image is turned into padded rows of positions x channels (NHWC), so
// that 16 channels of one position are one vector; a unit of work is one row of m x m blocks of
// one image (on small planes, the rows of a few images): transform its input blocks (V, blocks x C
// per transform element), multiply by the transformed weights (U, C x O per element) into M
// (blocks x O per element), transform back and write m output rows. A unit's V and M stay in the
// L1 and L2 caches.
#include "cpu/conv2d_winograd.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "cpu/conv2d_direct.h"
#include "cpu/lanes.h"
#include "cpu/prefetch.h"
#include "cpu/transpose16.h"
#include "cpu_features.h"

namespace anvil::cpu {

namespace {

// Workspace slots (see gemm.h for the list).
constexpr size_t kWeightSlot = 25;
constexpr size_t kScratchSlot = 26;
constexpr size_t kBiasSlot = 27;

constexpr int kBT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                           {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};

// Lane-wise arithmetic the transforms are written in: on vectors, and on doubles for the
// compile-time check that the factored transforms below are the matrices above.
__attribute__((target("avx512f"), always_inline)) inline __m512 plus(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
__attribute__((target("avx512f"), always_inline)) inline __m512 minus(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
// C a + b
template <int C>
__attribute__((target("avx512f"), always_inline)) inline __m512 axpy(__m512 a, __m512 b) {
    return _mm512_fmadd_ps(_mm512_set1_ps(static_cast<float>(C)), a, b);
}
constexpr double plus(double a, double b) { return a + b; }
constexpr double minus(double a, double b) { return a - b; }
template <int C>
constexpr double axpy(double a, double b) { return C * a + b; }

// The transforms are sums of a few terms with small integer coefficients. Applied row by row as
// the matrices are written they take 22 operations per column of B^T d, 18 per column of A^T m
// and of A dY (F(4x4, 3x3)); sharing the sums and differences the rows have in common takes 12,
// 10 and 8 (in the layers of 16 and 32 channels the transforms take as long as the products).
// Each works on six (or M) values `in` apart and writes `out` apart: a column of a block, then a
// row.
#define ANVIL_TRANSFORM __attribute__((target("avx512f"), always_inline)) inline constexpr

// Rows 1 to 4 of the transforms belong to the points 1, -1, 2 and -2, so they pair up as p + q,
// p - q, s + 2 t and s - 2 t; row 0 (the point 0) and row 5 (infinity) stand alone.
template <class T>
ANVIL_TRANSFORM void point_rows(T first, T p, T q, T s, T t, T last, T* r, int out) {
    r[0] = first;
    r[out] = plus(p, q);
    r[2 * out] = minus(p, q);
    r[3 * out] = axpy<2>(t, s);
    r[4 * out] = axpy<-2>(t, s);
    r[5 * out] = last;
}

// (B^T d) of six values d.
template <class T>
ANVIL_TRANSFORM void input_1d(const T* d, int in, T* r, int out) {
    const T d0 = d[0], d1 = d[in], d2 = d[2 * in], d3 = d[3 * in], d4 = d[4 * in], d5 = d[5 * in];
    point_rows(axpy<4>(d0, axpy<-5>(d2, d4)), axpy<-4>(d2, d4), axpy<-4>(d1, d3), minus(d4, d2), minus(d3, d1),
               axpy<4>(d1, axpy<-5>(d3, d5)), r, out);
}

// F(M x M, R x R): M outputs per block side, R x R windows, M + R - 1 = 6.
struct F2x5 {
    static constexpr int M = 2, R = 5;
    static constexpr int AT[M][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}};
    static constexpr double G[6][R] = {{1.0 / 4, 0, 0, 0, 0},
                                       {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
                                       {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6},
                                       {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3},
                                       {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3},
                                       {0, 0, 0, 0, 1}};
    // (A^T m) of six values m.
    template <class T>
    static ANVIL_TRANSFORM void output_1d(const T* m, int in, T* y, int out) {
        const T a = plus(m[in], m[2 * in]), b = minus(m[in], m[2 * in]);
        const T c = plus(m[3 * in], m[4 * in]), e = minus(m[3 * in], m[4 * in]);
        y[0] = plus(plus(m[0], a), c);
        y[out] = axpy<2>(e, plus(b, m[5 * in]));
    }
    // (A g): six values from the M values g.
    template <class T>
    static ANVIL_TRANSFORM void gradient_1d(const T* g, int in, T* r, int out) {
        point_rows(g[0], g[0], g[in], g[0], g[in], g[in], r, out);
    }
};

struct F4x3 {
    static constexpr int M = 4, R = 3;
    static constexpr int AT[M][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
    static constexpr double G[6][R] = {{1.0 / 4, 0, 0},
                                       {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                       {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                       {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                       {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                       {0, 0, 1}};
    template <class T>
    static ANVIL_TRANSFORM void output_1d(const T* m, int in, T* y, int out) {
        const T a = plus(m[in], m[2 * in]), b = minus(m[in], m[2 * in]);
        const T c = plus(m[3 * in], m[4 * in]), e = minus(m[3 * in], m[4 * in]);
        y[0] = plus(plus(m[0], a), c);
        y[out] = axpy<2>(e, b);
        y[2 * out] = axpy<4>(c, a);
        y[3 * out] = axpy<8>(e, plus(b, m[5 * in]));
    }
    template <class T>
    static ANVIL_TRANSFORM void gradient_1d(const T* g, int in, T* r, int out) {
        const T g0 = g[0], g1 = g[in], g2 = g[2 * in], g3 = g[3 * in];
        point_rows(g0, plus(g0, g2), plus(g1, g3), axpy<4>(g2, g0), axpy<4>(g3, g1), g3, r, out);
    }
};

#undef ANVIL_TRANSFORM

// Each factored transform, applied to the unit vectors, gives the columns of its matrix.
template <class V>
constexpr bool factored_as_written() {
    for (int j = 0; j < 6; ++j) {
        double unit[6] = {}, r[6] = {}, y[V::M] = {};
        unit[j] = 1.0;
        input_1d(unit, 1, r, 1);
        V::output_1d(unit, 1, y, 1);
        for (int i = 0; i < 6; ++i) {
            if (r[i] != kBT[i][j]) return false;
        }
        for (int i = 0; i < V::M; ++i) {
            if (y[i] != V::AT[i][j]) return false;
        }
    }
    for (int j = 0; j < V::M; ++j) {
        double unit[V::M] = {}, r[6] = {};
        unit[j] = 1.0;
        V::gradient_1d(unit, 1, r, 1);
        for (int i = 0; i < 6; ++i) {
            if (r[i] != V::AT[j][i]) return false;
        }
    }
    return true;
}
static_assert(factored_as_written<F2x5>() && factored_as_written<F4x3>());

constexpr int kTile = 6;       // input block
constexpr int kPoints = 36;    // elements of the 6x6 transform
constexpr int kMaxBlocks = 14; // blocks a row: rows up to 28 (F(2x2, 5x5)) or 56 (F(4x4, 3x3)) outputs wide

// out = B^T d B for a 6x6 block d of vectors (row-major, 6 apart): columns, then rows.
__attribute__((target("avx512f"), always_inline)) inline void input_transform(const __m512 (&d)[kPoints],
                                                                              __m512 (&out)[kPoints]) {
    __m512 rows[kPoints];  // B^T d
    for (int j = 0; j < kTile; ++j) input_1d(d + j, kTile, rows + j, kTile);
    for (int a = 0; a < kTile; ++a) input_1d(rows + a * kTile, 1, out + a * kTile, 1);
}

// The M x M outputs A^T m A of a 6x6 block m of vectors, row-major.
template <class V>
__attribute__((target("avx512f"), always_inline)) inline void output_transform(const __m512 (&m)[kPoints],
                                                                               __m512 (&y)[V::M * V::M]) {
    __m512 rows[V::M * kTile];  // A^T m
    for (int b = 0; b < kTile; ++b) V::output_1d(m + b, kTile, rows + b, kTile);
    for (int i = 0; i < V::M; ++i) V::output_1d(rows + i * kTile, 1, y + i * V::M, 1);
}

// out[i][o] = sum_{c < k} v[i * k + c] * u[c * ldu + o] for blocks i < MR and 16 NV channels o,
// rows ldo apart: the product of one transform element for one row of blocks; then the same for
// the next of `points` transform elements, v, u and out each `step` further on. (One call for all
// 36 elements: with 16 or 32 input channels a product is a few dozen FMAs, which a call each
// would leave waiting on the stores of the one before.)
template <int MR, int NV>
__attribute__((target("avx512f"))) void block_product(int points, int64_t k, const float* v, int64_t v_step,
                                                      const float* u, int64_t u_step, int64_t ldu, float* out,
                                                      int64_t out_step, int64_t ldo) {
    for (int p = 0; p < points; ++p, v += v_step, u += u_step, out += out_step) {
        __m512 acc[MR][NV];
        for (int i = 0; i < MR; ++i) {
            for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
        }
        for (int64_t c = 0; c < k; ++c) {
            __m512 w[NV];
            for (int j = 0; j < NV; ++j) w[j] = _mm512_load_ps(u + c * ldu + 16 * j);
#pragma GCC unroll 14
            for (int i = 0; i < MR; ++i) {
                const __m512 x = _mm512_set1_ps(v[i * k + c]);
                for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(x, w[j], acc[i][j]);
            }
        }
        for (int i = 0; i < MR; ++i) {
            for (int j = 0; j < NV; ++j) _mm512_store_ps(out + i * ldo + 16 * j, acc[i][j]);
        }
    }
}

using BlockProduct = void (*)(int, int64_t, const float*, int64_t, const float*, int64_t, int64_t, float*, int64_t,
                              int64_t);

template <int NV, size_t... I>
constexpr std::array<BlockProduct, sizeof...(I)> block_products(std::index_sequence<I...>) {
    return {block_product<static_cast<int>(I) + 1, NV>...};
}

// By the number of blocks, for 32 (pairs of vectors) and 16 output channels at a time.
constexpr auto kBlockProducts2 = block_products<2>(std::make_index_sequence<kMaxBlocks>{});
constexpr auto kBlockProducts1 = block_products<1>(std::make_index_sequence<kMaxBlocks>{});

// The layer as the transforms of V see it: `in` channels of h x w planes in, `out` channels out.
template <class V>
struct Shape {
    static constexpr int M = V::M;
    int64_t images, in, out, h, w;
    int64_t block_rows() const { return (h + M - 1) / M; }
    int64_t blocks() const { return (w + M - 1) / M; }
    // The padded input of one image: rows and columns of positions, `in` channels each.
    int64_t padded_h() const { return M * block_rows() + V::R - 1; }
    int64_t padded_w() const { return M * blocks() + V::R - 1; }
    int64_t padded_floats() const { return padded_h() * padded_w() * in; }
    // A unit of work of the forward pass (and of the backward-data pass, which runs it too): one
    // row of blocks of a plane with at least kWideRow blocks a row. Narrower planes give the
    // products too few blocks a row to keep their accumulators busy, so there a unit is all rows
    // of as many images as give at most kMaxBlocks blocks (on 7x7 planes, two blocks a row, this
    // made the three passes 1.4x to 1.6x faster), or for an image of more blocks than that, a
    // share of its rows of at most kMaxBlocks blocks. (Units of several rows of wider planes, up
    // to kMaxBlocks blocks, were no faster.)
    static constexpr int64_t kWideRow = 3;
    bool wide() const { return blocks() >= kWideRow; }
    int64_t unit_images() const { return wide() ? 1 : std::max<int64_t>(1, kMaxBlocks / (block_rows() * blocks())); }
    int64_t units_per_image() const {
        const int64_t most_rows = wide() ? 1 : std::max<int64_t>(1, kMaxBlocks / blocks());
        return (block_rows() + most_rows - 1) / most_rows;
    }
    int64_t rows_per_unit() const { return (block_rows() + units_per_image() - 1) / units_per_image(); }
    int64_t units() const {
        return unit_images() > 1 ? (images + unit_images() - 1) / unit_images() : images * units_per_image();
    }
    // Unit u's rows of blocks [g0, g1), counted over all images: row g is row g % block_rows() of
    // image g / block_rows().
    void unit_range(int64_t u, int64_t& g0, int64_t& g1) const {
        if (unit_images() > 1) {
            g0 = u * unit_images() * block_rows();
            g1 = std::min((u + 1) * unit_images(), images) * block_rows();
            return;
        }
        const int64_t n = u / units_per_image();
        g0 = n * block_rows() + u % units_per_image() * rows_per_unit();
        g1 = std::min(g0 + rows_per_unit(), (n + 1) * block_rows());
    }
    int64_t unit_blocks() const { return (unit_images() > 1 ? unit_images() * block_rows() : rows_per_unit()) * blocks(); }
};

// Where the R x R windows of a layer's weights are: the window of output channel o and input
// channel c of the correlation starts at w + (o * o_stride + c * c_stride) * R * R, row-major, or
// turned around (flipped: tap t is stored at R * R - 1 - t), as the backward-data pass reads the
// forward weights.
struct Windows {
    const float* w;
    int64_t o_stride, c_stride;
    bool flipped;
};

// U[p][c][o0 + l] = (G g G^T)[p] for the R x R window g of output channel o0 + l and input
// channel c, l < 16. The 16 windows are loaded as rows (16 taps at a time) and turned into one
// vector a tap by a register transpose: no gather of single floats.
template <class V>
__attribute__((target("avx512f"))) void transform_weights(const Shape<V>& s, int64_t c, int64_t o0, float* u,
                                                          const Windows& win) {
    constexpr int R = V::R, taps = R * R;
    const __m512i reverse = _mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m512 g[(taps + 15) / 16 * 16];
    for (int t0 = 0; t0 < taps; t0 += 16) {
        __m512 rows[16];
        for (int l = 0; l < 16; ++l) {
            const float* window = win.w + ((o0 + l) * win.o_stride + c * win.c_stride) * taps;
            if (win.flipped) {
                // Taps t0.. are stored at taps - 1 - t0 downwards: load the 16 floats ending there.
                const int end = taps - t0;
                const __mmask16 k = static_cast<__mmask16>(~lanes(16 - end));
                rows[l] = _mm512_maskz_permutexvar_ps(0xFFFF, reverse, _mm512_maskz_loadu_ps(k, window + end - 16));
            } else {
                rows[l] = _mm512_maskz_loadu_ps(lanes(taps - t0), window + t0);
            }
        }
        transpose16(rows);
        for (int i = 0; i < 16; ++i) g[t0 + i] = rows[i];
    }
    __m512 rows[kTile][R];  // (G g)[a][kw]
    for (int a = 0; a < kTile; ++a) {
        for (int kw = 0; kw < R; ++kw) {
            __m512 acc = _mm512_setzero_ps();
            for (int kh = 0; kh < R; ++kh) {
                acc = _mm512_fmadd_ps(_mm512_set1_ps(static_cast<float>(V::G[a][kh])), g[kh * R + kw],
                                      acc);
            }
            rows[a][kw] = acc;
        }
    }
    for (int a = 0; a < kTile; ++a) {
        for (int b = 0; b < kTile; ++b) {
            __m512 acc = _mm512_setzero_ps();
            for (int kw = 0; kw < R; ++kw) {
                acc = _mm512_fmadd_ps(_mm512_set1_ps(static_cast<float>(V::G[b][kw])), rows[a][kw], acc);
            }
            _mm512_store_ps(u + ((a * kTile + b) * s.in + c) * s.out + o0, acc);
        }
    }
}

// `channels` NCHW planes of h x w into rows of positions x channels `width` positions wide, plane
// row r and column q landing on row r + border, column q + border. Only those cells are written:
// the rest of dst (the border, the unused rows and columns of the last blocks) is zeroed once and
// stays zero, as every image writes the same cells.
//
// The planes are read 16 at a time, one short row of each: too many streams, and too short, for
// the hardware prefetcher. So each block asks for the same block of the next image, `next` (null
// for none), which the caller turns around after this one: it is in the cache by then.
void to_positions(const float* src, const float* next, int64_t channels, int64_t h, int64_t w, int64_t border,
                  int64_t width, float* dst) {
    for (int64_t c0 = 0; c0 < channels; c0 += 16) {
        for (int64_t r = 0; r < h; ++r) {
            for (int64_t q0 = 0; q0 < w; q0 += 16) {
                const int64_t at = (c0 * h + r) * w + q0;
                if (next != nullptr) {
                    for (int j = 0; j < 16; ++j) fetch(next + at + j * h * w);
                }
                transpose_to_vectors(src + at, h * w, 16, std::min<int64_t>(16, w - q0),
                                     dst + ((r + border) * width + q0 + border) * channels + c0, channels);
            }
        }
    }
}

// V[p][t][c] = (B^T d B)[p] for the input blocks t of row r of blocks, from the padded image
// (rows of padded_w() positions x `in` channels); V rows are `in` floats, one per block, and
// `stride` blocks apart per transform element p.
template <class V>
__attribute__((target("avx512f"))) void transform_inputs(const Shape<V>& s, const float* padded, int64_t r,
                                                         int64_t stride, float* v) {
    const int64_t pw = s.padded_w();
    for (int64_t t = 0; t < s.blocks(); ++t) {
        for (int64_t c0 = 0; c0 < s.in; c0 += 16) {
            __m512 d[kPoints], out[kPoints];
            for (int i = 0; i < kTile; ++i) {
                for (int j = 0; j < kTile; ++j) {
                    d[i * kTile + j] = _mm512_load_ps(padded + ((V::M * r + i) * pw + V::M * t + j) * s.in + c0);
                }
            }
            input_transform(d, out);
            for (int p = 0; p < kPoints; ++p) _mm512_store_ps(v + (p * stride + t) * s.in + c0, out[p]);
        }
    }
}

// Rounded up to whole cache lines (the channel counts are whole vectors already).
int64_t whole_lines(int64_t floats) { return (floats + 15) / 16 * 16; }

// Per-thread scratch: the padded images of a unit, its V and M, and M output rows of one row of blocks.
template <class V>
struct Scratch {
    float *padded, *v, *m, *rows;
    static int64_t padded_stride(const Shape<V>& s) { return whole_lines(s.padded_floats()); }
    static int64_t floats(const Shape<V>& s) {
        return s.unit_images() * padded_stride(s) + kPoints * s.unit_blocks() * (s.in + s.out) +
               V::M * V::M * s.blocks() * s.out;
    }
    Scratch(const Shape<V>& s, float* base)
        : padded(base),
          v(base + s.unit_images() * padded_stride(s)),
          m(v + kPoints * s.unit_blocks() * s.in),
          rows(m + kPoints * s.unit_blocks() * s.out) {}
};

// Rows [g0, g1) of blocks, counted over all images (see Shape::unit_range), whose images lie in
// the unit's padded images from image g0 / block_rows() on: transform, multiply, transform back,
// write output rows M r to M r + M - 1 of each.
template <class V>
__attribute__((target("avx512f"))) void block_unit(const Shape<V>& s, const float* u, const float* bias, int64_t g0,
                                                   int64_t g1, const Scratch<V>& sc, float* y) {
    constexpr int M = V::M;
    const int64_t blocks = s.blocks(), block_rows = s.block_rows(), stride = s.unit_blocks();
    const int64_t first_image = g0 / block_rows, unit_blocks = (g1 - g0) * blocks;
    for (int64_t g = g0; g < g1; ++g) {
        transform_inputs(s, sc.padded + (g / block_rows - first_image) * Scratch<V>::padded_stride(s), g % block_rows,
                         stride, sc.v + (g - g0) * blocks * s.in);
    }
    const bool pairs = s.out % 32 == 0;
    const BlockProduct product = (pairs ? kBlockProducts2 : kBlockProducts1)[unit_blocks - 1];
    const int64_t step = pairs ? 32 : 16;
    for (int64_t o0 = 0; o0 < s.out; o0 += step) {
        product(kPoints, s.in, sc.v, stride * s.in, u + o0, s.in * s.out, s.out, sc.m + o0, stride * s.out, s.out);
    }
    // Output rows as positions x channels, then turned into the NCHW planes 16 x 16 at a time.
    const int64_t row_floats = M * blocks * s.out, plane = s.h * s.w;
    for (int64_t g = g0; g < g1; ++g) {
        const int64_t n = g / block_rows, r = g % block_rows;
        for (int64_t t = 0; t < blocks; ++t) {
            const int64_t block = (g - g0) * blocks + t;
            for (int64_t o0 = 0; o0 < s.out; o0 += 16) {
                __m512 m[kPoints], out[M * M];
                for (int p = 0; p < kPoints; ++p) m[p] = _mm512_load_ps(sc.m + (p * stride + block) * s.out + o0);
                output_transform<V>(m, out);
                for (int q = 0; q < M * M; ++q) {
                    _mm512_store_ps(sc.rows + (q / M) * row_floats + (M * t + q % M) * s.out + o0, out[q]);
                }
            }
        }
        for (int64_t i = 0; i < M && M * r + i < s.h; ++i) {
            const float* row = sc.rows + i * row_floats;
            for (int64_t q0 = 0; q0 < s.w; q0 += 16) {
                for (int64_t o0 = 0; o0 < s.out; o0 += 16) {
                    // The same cells M rows down, which the next unit writes: the lines to own by then.
                    if (M * r + i + M < s.h) {
                        for (int o = 0; o < 16; ++o) {
                            own(y + (n * s.out + o0 + o) * plane + (M * r + i + M) * s.w + q0);
                        }
                    }
                    store_channel_tile(row + q0 * s.out + o0, s.out, std::min<int64_t>(16, s.w - q0), 16,
                                       bias != nullptr ? bias + o0 : nullptr,
                                       y + (n * s.out + o0) * plane + (M * r + i) * s.w + q0, plane);
                }
            }
        }
    }
}

// Whether the transforms of V take a layer: R x R, stride 1, "same" padding (R - 1) / 2, no
// dilation or groups, rows of at most kMaxBlocks blocks. The callers add what the channel counts
// must be.
template <class V>
bool applies(const anvil_conv2d_desc& d) {
    constexpr int pad = (V::R - 1) / 2;
    const int64_t blocks = (d.in_w + V::M - 1) / V::M;
    return cpu_features().avx512f && d.kernel_h == V::R && d.kernel_w == V::R && d.stride_h == 1 && d.stride_w == 1 &&
           d.pad_h == pad && d.pad_w == pad && d.dilation_h == 1 && d.dilation_w == 1 && d.groups == 1 &&
           d.in_h >= 1 && blocks <= kMaxBlocks;
}

template <class V>
void correlate(anvil_context& ctx, const Shape<V>& s, const float* x, const float* bias, float* y, const Windows& weight) {
    float* u = ctx.workspace.get<float>(kWeightSlot, static_cast<size_t>(kPoints * s.in * s.out));
    const int threads = ctx.pool.size();
    const int64_t per_thread = Scratch<V>::floats(s);
    float* scratch = ctx.workspace.get<float>(kScratchSlot, static_cast<size_t>(per_thread * threads));
    const int64_t vectors = s.out / 16;
    parallel_for(ctx.pool, s.in * vectors, 8, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) transform_weights(s, i / vectors, i % vectors * 16, u, weight);
    });
    const int64_t units = s.units();
    ctx.pool.run([&](int tid, int nthreads) {
        const Scratch<V> sc(s, scratch + per_thread * tid);
        std::fill(sc.padded, sc.v, 0.0f);
        // The image in each padded slot: consecutive units of an image reuse it.
        int64_t padded[kMaxBlocks];
        std::fill(padded, padded + kMaxBlocks, -1);
        for (int64_t unit = units * tid / nthreads; unit < units * (tid + 1) / nthreads; ++unit) {
            int64_t g0, g1;
            s.unit_range(unit, g0, g1);
            const int64_t first = g0 / s.block_rows();
            for (int64_t n = first; n <= (g1 - 1) / s.block_rows(); ++n) {
                if (padded[n - first] == n) continue;
                const int64_t image = s.in * s.h * s.w;
                to_positions(x + n * image, n + 1 < s.images ? x + (n + 1) * image : nullptr, s.in, s.h, s.w,
                             (V::R - 1) / 2, s.padded_w(), sc.padded + (n - first) * Scratch<V>::padded_stride(s));
                padded[n - first] = n;
            }
            block_unit(s, u, bias, g0, g1, sc, y);
        }
    });
}

// ------------------------------------------------------------------ weight gradient
//
// The forward pass is linear in U = G g G^T and M = sum_c U . V, so for the output gradient dY of
// a block, dM = A dY A^T, dU_oc = sum over blocks and images of dM_o . V_c, and dg = G^T dU G:
// the 36 products become dU[p] (O x C) += dM[p]^T (O x blocks) V[p] (blocks x C), summed over
// every block, with the transforms as in the forward pass.

constexpr int64_t kUnitRows = 4;  // rows of blocks per unit: V and dM of a unit stay in L2
constexpr int kGradRows = 8;      // output channels per register tile of the products

// dM = A dY A^T for the M x M output gradient dY of a block (dy[M i + j] = dY[i][j]).
template <class V>
__attribute__((target("avx512f"), always_inline)) inline void gradient_transform(const __m512 (&dy)[V::M * V::M],
                                                                                 __m512 (&out)[kPoints]) {
    constexpr int M = V::M;
    __m512 left[kTile * M];  // A dY
    for (int j = 0; j < M; ++j) V::gradient_1d(dy + j, M, left + j, M);
    for (int a = 0; a < kTile; ++a) V::gradient_1d(left + a * M, 1, out + a * kTile, 1);
}

// du[i][c] += sum_{k < n} m[k * ldm + i] * v[k * ldv + c] for kGradRows rows i and 16 NV columns c
// (with `first`, du = the sum: du is not read).
template <int NV>
__attribute__((target("avx512f"))) void gradient_product(bool first, int64_t n, const float* m, int64_t ldm,
                                                         const float* v, int64_t ldv, float* du, int64_t lddu) {
    __m512 acc[kGradRows][NV];
    for (int i = 0; i < kGradRows; ++i) {
        for (int j = 0; j < NV; ++j) acc[i][j] = first ? _mm512_setzero_ps() : _mm512_load_ps(du + i * lddu + 16 * j);
    }
    for (int64_t k = 0; k < n; ++k) {
        __m512 x[NV];
        for (int j = 0; j < NV; ++j) x[j] = _mm512_load_ps(v + k * ldv + 16 * j);
#pragma GCC unroll 8
        for (int i = 0; i < kGradRows; ++i) {
            const __m512 g = _mm512_set1_ps(m[k * ldm + i]);
            for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(g, x[j], acc[i][j]);
        }
    }
    for (int i = 0; i < kGradRows; ++i) {
        for (int j = 0; j < NV; ++j) _mm512_store_ps(du + i * lddu + 16 * j, acc[i][j]);
    }
}

// Per-worker scratch of the weight gradient: the padded inputs and output gradients of the
// images of a unit, V and dM of the unit, and the worker's partial dU. A unit is kUnitRows rows of
// blocks of one image, or on small planes all rows of the images of a forward unit (the products
// here take any number of blocks).
template <class V>
struct GradScratch {
    float *padded, *dy, *v, *m, *du;
    static int64_t unit_rows(const Shape<V>& s) {
        return s.unit_images() > 1 ? s.unit_images() * s.block_rows() : kUnitRows;
    }
    static int64_t unit_blocks(const Shape<V>& s) { return unit_rows(s) * s.blocks(); }
    static int64_t padded_stride(const Shape<V>& s) { return whole_lines(s.padded_floats()); }
    static int64_t dy_floats(const Shape<V>& s) { return V::M * s.block_rows() * V::M * s.blocks() * s.out; }
    static int64_t du_floats(const Shape<V>& s) { return kPoints * s.out * s.in; }
    static int64_t floats(const Shape<V>& s) {
        return s.unit_images() * (padded_stride(s) + dy_floats(s)) + kPoints * unit_blocks(s) * (s.in + s.out) +
               du_floats(s);
    }
    GradScratch(const Shape<V>& s, float* base)
        : padded(base),
          dy(base + s.unit_images() * padded_stride(s)),
          v(dy + s.unit_images() * dy_floats(s)),
          m(v + kPoints * unit_blocks(s) * s.in),
          du(m + kPoints * unit_blocks(s) * s.out) {}
};

// Rows [g0, g1) of blocks, counted over all images as in block_unit, into the worker's dU (its
// first unit writes dU rather than adding to it); their images lie in the unit's slots from image
// g0 / block_rows() on.
template <class V>
__attribute__((target("avx512f"))) void gradient_unit(const Shape<V>& s, int64_t g0, int64_t g1, bool first,
                                                      const GradScratch<V>& sc) {
    constexpr int M = V::M;
    const int64_t blocks = s.blocks(), block_rows = s.block_rows(), n = (g1 - g0) * blocks;
    const int64_t stride = GradScratch<V>::unit_blocks(s), first_image = g0 / block_rows, dy_w = M * blocks;
    for (int64_t g = g0; g < g1; ++g) {
        const int64_t slot = g / block_rows - first_image, r = g % block_rows;
        const float* dy = sc.dy + slot * GradScratch<V>::dy_floats(s);
        transform_inputs(s, sc.padded + slot * GradScratch<V>::padded_stride(s), r, stride, sc.v + (g - g0) * blocks * s.in);
        for (int64_t t = 0; t < blocks; ++t) {
            for (int64_t o0 = 0; o0 < s.out; o0 += 16) {
                __m512 gy[M * M], m[kPoints];
                for (int q = 0; q < M * M; ++q) {
                    gy[q] = _mm512_load_ps(dy + ((M * r + q / M) * dy_w + M * t + q % M) * s.out + o0);
                }
                gradient_transform<V>(gy, m);
                const int64_t block = (g - g0) * blocks + t;
                for (int p = 0; p < kPoints; ++p) _mm512_store_ps(sc.m + (p * stride + block) * s.out + o0, m[p]);
            }
        }
    }
    const bool pairs = s.in % 32 == 0;
    for (int p = 0; p < kPoints; ++p) {
        for (int64_t o0 = 0; o0 < s.out; o0 += kGradRows) {
            for (int64_t c0 = 0; c0 < s.in; c0 += pairs ? 32 : 16) {
                (pairs ? gradient_product<2> : gradient_product<1>)(first, n, sc.m + p * stride * s.out + o0, s.out,
                                                                    sc.v + p * stride * s.in + c0, s.in,
                                                                    sc.du + (p * s.out + o0) * s.in + c0, s.in);
            }
        }
    }
}

// dw[o][c] (+)= G^T dU G for 16 input channels c0.. of output channel o, dU summed over the
// workers' partials in worker order.
template <class V>
__attribute__((target("avx512f"))) void finish_weight_gradient(const Shape<V>& s, const float* partials,
                                                               int64_t partial_floats, int workers, int64_t o,
                                                               int64_t c0, float* dw, bool accumulate) {
    constexpr int R = V::R;
    __m512 du[kPoints];
    for (int p = 0; p < kPoints; ++p) {
        __m512 sum = _mm512_setzero_ps();
        for (int wk = 0; wk < workers; ++wk) {
            sum = _mm512_add_ps(sum, _mm512_load_ps(partials + wk * partial_floats + (p * s.out + o) * s.in + c0));
        }
        du[p] = sum;
    }
    __m512 rows[R][kTile];  // (G^T dU)[kh][b]
    for (int kh = 0; kh < R; ++kh) {
        for (int b = 0; b < kTile; ++b) {
            __m512 acc = _mm512_setzero_ps();
            for (int a = 0; a < kTile; ++a) {
                acc = _mm512_fmadd_ps(_mm512_set1_ps(static_cast<float>(V::G[a][kh])), du[a * kTile + b], acc);
            }
            rows[kh][b] = acc;
        }
    }
    alignas(64) float g[R * R][16];
    for (int kh = 0; kh < R; ++kh) {
        for (int kw = 0; kw < R; ++kw) {
            __m512 acc = _mm512_setzero_ps();
            for (int b = 0; b < kTile; ++b) {
                acc = _mm512_fmadd_ps(_mm512_set1_ps(static_cast<float>(V::G[b][kw])), rows[kh][b], acc);
            }
            _mm512_store_ps(g[kh * R + kw], acc);
        }
    }
    for (int l = 0; l < 16; ++l) {
        float* target = dw + (o * s.in + c0 + l) * R * R;
        for (int k = 0; k < R * R; ++k) target[k] = accumulate ? target[k] + g[k][l] : g[k][l];
    }
}

template <class V>
void forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w, const float* bias,
             float* y) {
    const Shape<V> s{d.batch, d.in_channels, d.out_channels, d.in_h, d.in_w};
    correlate(ctx, s, x, bias, y, Windows{w, s.in, 1, false});
}

template <class V>
void backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w, float* dx) {
    // dx is the correlation of dy (padded by R - 1 - (R - 1) / 2, the same) with the flipped
    // window, channels turned around: dx channel c gathers from dy channel o through
    // w[o][c][R - 1 - kh][R - 1 - kw].
    const Shape<V> s{d.batch, d.out_channels, d.in_channels, d.in_h, d.in_w};
    correlate(ctx, s, dy, nullptr, dx, Windows{w, 1, s.out, true});
}

template <class V>
void backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy, float* dw,
                     float* db, bool accumulate) {
    const Shape<V> s{d.batch, d.in_channels, d.out_channels, d.in_h, d.in_w};
    const int64_t plane = s.h * s.w, per_worker = GradScratch<V>::floats(s);
    const int workers = static_cast<int>(std::min<int64_t>(ctx.pool.size(), s.images));
    float* scratch = ctx.workspace.get<float>(kScratchSlot, static_cast<size_t>(per_worker * workers));
    // Bias gradient: each image's channel sums, added over the images in order below.
    double* sums = db != nullptr ? ctx.workspace.get<double>(kBiasSlot, static_cast<size_t>(s.images * s.out)) : nullptr;
    ctx.pool.run([&](int tid, int) {
        if (tid >= workers) return;
        const GradScratch<V> sc(s, scratch + per_worker * tid);
        // The borders of the padded images and output gradients start at zero; V, dM and the
        // partial dU are written before they are read.
        std::fill(sc.padded, sc.v, 0.0f);
        const int64_t block_rows = s.block_rows(), group = s.unit_images(), unit_rows = GradScratch<V>::unit_rows(s);
        const int64_t begin = s.images * tid / workers, end = s.images * (tid + 1) / workers;
        for (int64_t n0 = begin; n0 < end; n0 += group) {
            const int64_t n1 = std::min(n0 + group, end);
            for (int64_t n = n0; n < n1; ++n) {
                const bool last = n + 1 == end;
                to_positions(x + n * s.in * plane, last ? nullptr : x + (n + 1) * s.in * plane, s.in, s.h, s.w,
                             (V::R - 1) / 2, s.padded_w(), sc.padded + (n - n0) * GradScratch<V>::padded_stride(s));
                to_positions(dy + n * s.out * plane, last ? nullptr : dy + (n + 1) * s.out * plane, s.out, s.h, s.w, 0,
                             V::M * s.blocks(), sc.dy + (n - n0) * GradScratch<V>::dy_floats(s));
                if (sums != nullptr) {
                    for (int64_t o = 0; o < s.out; ++o) sums[n * s.out + o] = channel_sum(dy + (n * s.out + o) * plane, plane);
                }
            }
            for (int64_t g = n0 * block_rows; g < n1 * block_rows; g += unit_rows) {
                gradient_unit(s, g, std::min(g + unit_rows, n1 * block_rows), g == begin * block_rows, sc);
            }
        }
    });
    const int64_t vectors = s.in / 16;
    parallel_for(ctx.pool, s.out * vectors, 4, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            finish_weight_gradient(s, scratch + (per_worker - GradScratch<V>::du_floats(s)), per_worker, workers,
                                   i / vectors, i % vectors * 16, dw, accumulate);
        }
    });
    if (db != nullptr) add_bias_sums(sums, s.images, s.out, db, accumulate);
}

}  // namespace

// The channel counts are whole vectors: input channels for the input transforms, output channels
// for the products' columns; the weight gradient's register tiles take output channels 8 at a time.
bool conv2d_winograd_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                             const float* bias, float* y) {
    if (d.in_channels % 16 != 0 || d.out_channels % 16 != 0) return false;
    if (applies<F2x5>(d)) {
        forward<F2x5>(ctx, d, x, w, bias, y);
    } else if (applies<F4x3>(d)) {
        forward<F4x3>(ctx, d, x, w, bias, y);
    } else {
        return false;
    }
    return true;
}

bool conv2d_winograd_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                                   float* dx) {
    if (d.in_channels % 16 != 0 || d.out_channels % 16 != 0) return false;
    if (applies<F2x5>(d)) {
        backward_data<F2x5>(ctx, d, dy, w, dx);
    } else if (applies<F4x3>(d)) {
        backward_data<F4x3>(ctx, d, dy, w, dx);
    } else {
        return false;
    }
    return true;
}

bool conv2d_winograd_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                                     float* dw, float* db, bool accumulate) {
    if (d.in_channels % 16 != 0 || d.out_channels % 16 != 0) return false;
    if (applies<F2x5>(d)) {
        backward_weight<F2x5>(ctx, d, x, dy, dw, db, accumulate);
    } else if (applies<F4x3>(d)) {
        backward_weight<F4x3>(ctx, d, x, dy, dw, db, accumulate);
    } else {
        return false;
    }
    return true;
}

}  // namespace anvil::cpu
