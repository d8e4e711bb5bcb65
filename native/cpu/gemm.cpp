// Blocked SGEMM in the GotoBLAS/BLIS style. The loops, outermost first:
//   jc: columns of C in blocks of NC      (the packed B block, kc x nc, lives in L3)
//   pc: the k dimension in blocks of KC   (pack B once per (jc, pc))
//   ic: rows of C in blocks of MC         (the packed A block, mc x kc, lives in L2)
//   jr: NR-wide micro-panels of B         (one B micro-panel, kc x NR, stays in L1)
//   ir: MR-tall micro-panels of A         (streamed from L2 through the micro-kernel)
// The micro-kernel keeps an MR x NR tile of C in vector registers for the whole kc loop, so C
// is touched once per KC block. Packing puts both operands in exactly the order the micro-kernel
// reads them (zero-padded at the edges), which also absorbs the transposes.
// The library is built for baseline x86-64; AVX-512 and AVX2 kernels are compiled with target
// attributes and picked at run time from CPUID.
#include "cpu/gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "cpu_features.h"

namespace anvil::cpu {

namespace {

// Computes the full MR x NR tile C = alpha * A * B + beta * C from packed panels. `b` holds kc
// groups of NR values (a row of the B micro-panel each). The A micro-panel comes in one of two
// layouts, whichever its source can be copied into without transposing (see pack_a):
//   column-packed: element (i, p) at a[p * MR + i]
//   row-packed:    element (i, p) at a[i * KC + p]   (KC: the kernel's fixed k block)
// Each kernel is instantiated for both, with the strides as constants so that every load of A is
// a fixed displacement from one pointer. C is not read when beta == 0.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                             int64_t ldc);

struct KernelConfig {
    const char* name;
    MicroKernel kernel_cols;  // A column-packed
    MicroKernel kernel_rows;  // A row-packed
    int64_t mr, nr;
    int64_t mc, kc, nc;  // cache blocks: A block mc x kc in L2, B micro-panel kc x nr in L1
    bool small_path;     // small products take run_small (AVX-512) instead of the blocked path
};

// Largest MR * NR of any kernel below (the scratch tile of partial edge tiles).
constexpr int64_t kMaxTile = 16 * 32;

// ------------------------------------------------------------------ micro-kernels

// Element (i, p) of A sits at a[i * RS + p * CS].
template <int MR, int64_t RS, int64_t CS>
__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* a, const float* b, float alpha,
                                                       float beta, float* c, int64_t ldc) {
    __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm512_setzero_ps();
        acc1[i] = _mm512_setzero_ps();
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    }
    for (int64_t p = 0; p < kc; ++p) {
        const __m512 b0 = _mm512_load_ps(b);
        const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const __m512 ai = _mm512_set1_ps(a[i * RS]);
            acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
        }
        a += CS;
        b += 32;
    }
    const __m512 va = _mm512_set1_ps(alpha);
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        float* row = c + i * ldc;
        __m512 r0 = _mm512_mul_ps(va, acc0[i]);
        __m512 r1 = _mm512_mul_ps(va, acc1[i]);
        if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), r1);
        }
        _mm512_storeu_ps(row, r0);
        _mm512_storeu_ps(row + 16, r1);
    }
}

template <int MR, int64_t RS, int64_t CS>
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* a, const float* b, float alpha,
                                                      float beta, float* c, int64_t ldc) {
    __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm256_setzero_ps();
        acc1[i] = _mm256_setzero_ps();
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    }
    for (int64_t p = 0; p < kc; ++p) {
        const __m256 b0 = _mm256_load_ps(b);
        const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const __m256 ai = _mm256_broadcast_ss(a + i * RS);
            acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
            acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
        }
        a += CS;
        b += 16;
    }
    const __m256 va = _mm256_set1_ps(alpha);
    const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        float* row = c + i * ldc;
        __m256 r0 = _mm256_mul_ps(va, acc0[i]);
        __m256 r1 = _mm256_mul_ps(va, acc1[i]);
        if (beta != 0.0f) {
            r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r0);
            r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r1);
        }
        _mm256_storeu_ps(row, r0);
        _mm256_storeu_ps(row + 8, r1);
    }
}

// Portable fallback: plain loops over a small tile that the compiler vectorises with SSE.
constexpr int kGenericMr = 4;
constexpr int kGenericNr = 16;

template <int64_t RS, int64_t CS>
void kernel_generic(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc) {
    float acc[kGenericMr][kGenericNr] = {};
    for (int64_t p = 0; p < kc; ++p) {
        for (int i = 0; i < kGenericMr; ++i) {
            for (int j = 0; j < kGenericNr; ++j) acc[i][j] += a[i * RS] * b[j];
        }
        a += CS;
        b += kGenericNr;
    }
    for (int i = 0; i < kGenericMr; ++i) {
        float* row = c + i * ldc;
        for (int j = 0; j < kGenericNr; ++j) {
            row[j] = beta != 0.0f ? alpha * acc[i][j] + beta * row[j] : alpha * acc[i][j];
        }
    }
}

KernelConfig choose_kernel() {
    const CpuFeatures& f = cpu_features();
    // KC keeps the B micro-panel (kc x nr floats) within about half of a 32 KiB L1; MC keeps the
    // A block within about half of a 1 MiB L2; NC bounds the packed B block for L3. The AVX-512
    // tile is 8 rows rather than the 12-14 that the register file allows: channel counts are
    // usually multiples of 8 (no wasted edge rows), and on Zen 4 it measured as fast as 12x32
    // and 14x32 on large products.
    constexpr int64_t kc = 256;
    if (f.avx512f) {
        return {"avx512-8x32", kernel_avx512<8, 1, 8>, kernel_avx512<8, kc, 1>, 8, 32, 8 * 32, kc, 4096, true};
    }
    if (f.avx2 && f.fma) {
        return {"avx2-6x16", kernel_avx2<6, 1, 6>, kernel_avx2<6, kc, 1>, 6, 16, 6 * 24, kc, 4096, false};
    }
    return {"generic-4x16",       kernel_generic<1, kGenericMr>, kernel_generic<kc, 1>, kGenericMr, kGenericNr,
            kGenericMr * 32, kc, 4096, false};
}

const KernelConfig& config() {
    static const KernelConfig cfg = choose_kernel();
    return cfg;
}

// ------------------------------------------------------------------ packing

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Floats of one packed A micro-panel: column-packed panels are MR x kc, row-packed ones keep
// the full KC stride between rows.
int64_t a_panel_floats(const KernelConfig& cfg, bool trans, int64_t kc) { return cfg.mr * (trans ? kc : cfg.kc); }

// Packs rows [0, mc) x columns [0, kc) of op(A) (already offset to the block) into MR-tall
// micro-panels, zero-padded to MR rows, in whichever layout is a plain copy of the source: when A
// is stored transposed each column of op(A) is contiguous (column-packed), otherwise each row is.
void pack_a(const KernelConfig& cfg, bool trans, const float* a, int64_t lda, int64_t mc, int64_t kc, float* out) {
    const int64_t mr = cfg.mr;
    for (int64_t i0 = 0; i0 < mc; i0 += mr, out += a_panel_floats(cfg, trans, kc)) {
        const int64_t rows = std::min(mr, mc - i0);
        if (trans) {
            for (int64_t p = 0; p < kc; ++p) {
                const float* src = a + p * lda + i0;
                float* dst = out + p * mr;
                for (int64_t i = 0; i < rows; ++i) dst[i] = src[i];
                for (int64_t i = rows; i < mr; ++i) dst[i] = 0.0f;
            }
        } else {
            for (int64_t i = 0; i < rows; ++i) {
                std::memcpy(out + i * cfg.kc, a + (i0 + i) * lda, static_cast<size_t>(kc) * sizeof(float));
            }
            for (int64_t i = rows; i < mr; ++i) std::fill(out + i * cfg.kc, out + i * cfg.kc + kc, 0.0f);
        }
    }
}

// One micro-panel of op(B) = B^T: out[p * nr + j] = b[j * ldb + p] for j < cols, p < kc, plus
// zero columns up to nr. Plain loops, for CPUs without AVX and for the ragged edges.
void pack_bt_scalar(const float* b, int64_t ldb, int64_t kc, int64_t cols, int64_t nr, int64_t j_begin,
                    int64_t p_begin, float* out) {
    for (int64_t j = j_begin; j < cols; ++j) {
        const float* src = b + j * ldb;
        for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = src[p];
    }
    for (int64_t j = 0; j < j_begin; ++j) {
        const float* src = b + j * ldb;
        for (int64_t p = p_begin; p < kc; ++p) out[p * nr + j] = src[p];
    }
    for (int64_t j = cols; j < nr; ++j) {
        for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = 0.0f;
    }
}

// The same with 8x8 register transposes: this packing is the GEMM's main overhead when m is small
// (the fully connected forward pass, conv weight gradients), so it is worth vectorising.
__attribute__((target("avx"))) void pack_bt_avx(const float* b, int64_t ldb, int64_t kc, int64_t cols, int64_t nr,
                                                float* out) {
    const int64_t j_end = cols / 8 * 8, p_end = kc / 8 * 8;
    for (int64_t j = 0; j < j_end; j += 8) {
        const float* src = b + j * ldb;
        for (int64_t p = 0; p < p_end; p += 8) {
            __m256 r[8], t[8], u[8];
            for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + q * ldb + p);
            for (int q = 0; q < 8; q += 2) {
                t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
                t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
            }
            for (int q = 0; q < 8; q += 4) {
                u[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
                u[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
                u[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
                u[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
            }
            float* dst = out + p * nr + j;
            for (int q = 0; q < 4; ++q) {
                _mm256_storeu_ps(dst + q * nr, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
                _mm256_storeu_ps(dst + (q + 4) * nr, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
            }
        }
    }
    pack_bt_scalar(b, ldb, kc, cols, nr, j_end, p_end, out);
}

// One row of B (not transposed) spread over the micro-panels: src[j0 + j] goes to
// out[j0 / nr * panel + j] for the nc columns, zero-padded to whole panels.
void pack_b_row_scalar(const float* src, int64_t nc, int64_t nr, int64_t panel, float* out) {
    for (int64_t j0 = 0; j0 < nc; j0 += nr, out += panel) {
        const int64_t cols = std::min(nr, nc - j0);
        for (int64_t j = 0; j < cols; ++j) out[j] = src[j0 + j];
        for (int64_t j = cols; j < nr; ++j) out[j] = 0.0f;
    }
}

// The same for 32-wide panels, two vector copies per panel instead of a library call.
__attribute__((target("avx512f"))) void pack_b_row_32(const float* src, int64_t nc, int64_t panel, float* out) {
    const int64_t full = nc / 32 * 32;
    for (int64_t j0 = 0; j0 < full; j0 += 32, out += panel) {
        _mm512_store_ps(out, _mm512_loadu_ps(src + j0));
        _mm512_store_ps(out + 16, _mm512_loadu_ps(src + j0 + 16));
    }
    if (full < nc) pack_b_row_scalar(src + full, nc - full, 32, panel, out);
}

// Packs rows [0, kc) x columns [0, nc) of op(B) into NR-wide micro-panels, each stored row by
// row and zero-padded to NR columns. B not transposed is walked row by row, so that the source
// is read front to back rather than as kc short pieces of far-apart rows per panel.
void pack_b(bool trans, const float* b, int64_t ldb, int64_t kc, int64_t nc, int64_t nr, float* out) {
    static const bool avx = cpu_features().avx2;
    static const bool avx512 = cpu_features().avx512f;
    if (!trans) {
        for (int64_t p = 0; p < kc; ++p) {
            if (avx512 && nr == 32) {
                pack_b_row_32(b + p * ldb, nc, nr * kc, out + p * nr);
            } else {
                pack_b_row_scalar(b + p * ldb, nc, nr, nr * kc, out + p * nr);
            }
        }
        return;
    }
    for (int64_t j0 = 0; j0 < nc; j0 += nr, out += nr * kc) {
        const int64_t cols = std::min(nr, nc - j0);
        if (avx) {
            pack_bt_avx(b + j0 * ldb, ldb, kc, cols, nr, out);
        } else {
            pack_bt_scalar(b + j0 * ldb, ldb, kc, cols, nr, 0, kc, out);
        }
    }
}

// ------------------------------------------------------------------ blocked driver

struct Problem {
    bool trans_a, trans_b;
    int64_t m, n, k;
    float alpha;
    const float* a;
    int64_t lda;
    const float* b;
    int64_t ldb;
    float beta;
    float* c;
    int64_t ldc;
    // With gemm_bias: added to every row of C (the small and dot paths add it in their epilogue).
    const float* bias = nullptr;
};

// op(A) rows [i0, ...) and C rows [i0, ...) of p, with m rows.
Problem rows_of(const Problem& p, int64_t i0, int64_t m) {
    Problem s = p;
    s.m = m;
    s.a = p.trans_a ? p.a + i0 : p.a + i0 * p.lda;
    s.c = p.c + i0 * p.ldc;
    return s;
}

// op(B) columns [j0, ...) and C columns [j0, ...) of p, with n columns.
Problem cols_of(const Problem& p, int64_t j0, int64_t n) {
    Problem s = p;
    s.n = n;
    s.b = p.trans_b ? p.b + j0 * p.ldb : p.b + j0;
    s.c = p.c + j0;
    if (p.bias != nullptr) s.bias = p.bias + j0;
    return s;
}

// k == 0: the product is empty, so C = beta * C.
void scale_c(const Problem& p) {
    for (int64_t i = 0; i < p.m; ++i) {
        float* row = p.c + i * p.ldc;
        for (int64_t j = 0; j < p.n; ++j) row[j] = p.beta != 0.0f ? p.beta * row[j] : 0.0f;
    }
}

int64_t align16(int64_t floats) { return round_up(floats, 16); }

int64_t pack_floats(const KernelConfig& cfg, int64_t m, int64_t n, int64_t k) {
    const int64_t kc = std::min(cfg.kc, k);
    const int64_t mc = std::min(cfg.mc, round_up(m, cfg.mr));
    const int64_t nc = std::min(cfg.nc, round_up(n, cfg.nr));
    return align16(mc * cfg.kc) + align16(kc * nc);
}

// Runs the micro-kernel on one tile; partial edge tiles go through an aligned scratch tile so
// that the kernel always works on full MR x NR tiles.
void tile(const KernelConfig& cfg, MicroKernel kernel, int64_t kc, const float* ap, const float* bp, int64_t rows, int64_t cols,
          float alpha, float beta, float* c, int64_t ldc) {
    if (rows == cfg.mr && cols == cfg.nr) {
        kernel(kc, ap, bp, alpha, beta, c, ldc);
        return;
    }
    alignas(64) float t[kMaxTile];
    kernel(kc, ap, bp, 1.0f, 0.0f, t, cfg.nr);
    for (int64_t i = 0; i < rows; ++i) {
        float* row = c + i * ldc;
        const float* src = t + i * cfg.nr;
        for (int64_t j = 0; j < cols; ++j) row[j] = beta != 0.0f ? alpha * src[j] + beta * row[j] : alpha * src[j];
    }
}

void run_blocked(const KernelConfig& cfg, const Problem& p, float* pack) {
    if (p.m <= 0 || p.n <= 0) return;
    if (p.k <= 0) {
        scale_c(p);
        return;
    }
    const MicroKernel kernel = p.trans_a ? cfg.kernel_cols : cfg.kernel_rows;
    float* apack = pack;
    float* bpack = pack + align16(std::min(cfg.mc, round_up(p.m, cfg.mr)) * cfg.kc);
    for (int64_t jc = 0; jc < p.n; jc += cfg.nc) {
        const int64_t nc = std::min(cfg.nc, p.n - jc);
        for (int64_t pc = 0; pc < p.k; pc += cfg.kc) {
            const int64_t kc = std::min(cfg.kc, p.k - pc);
            // Later k blocks add onto what the earlier ones stored.
            const float beta = pc == 0 ? p.beta : 1.0f;
            const float* bsrc = p.trans_b ? p.b + jc * p.ldb + pc : p.b + pc * p.ldb + jc;
            pack_b(p.trans_b, bsrc, p.ldb, kc, nc, cfg.nr, bpack);
            for (int64_t ic = 0; ic < p.m; ic += cfg.mc) {
                const int64_t mc = std::min(cfg.mc, p.m - ic);
                const float* asrc = p.trans_a ? p.a + pc * p.lda + ic : p.a + ic * p.lda + pc;
                pack_a(cfg, p.trans_a, asrc, p.lda, mc, kc, apack);
                const int64_t a_panel = a_panel_floats(cfg, p.trans_a, kc);
                for (int64_t jr = 0; jr < nc; jr += cfg.nr) {
                    const float* bp = bpack + jr * kc;
                    for (int64_t ir = 0; ir < mc; ir += cfg.mr) {
                        tile(cfg, kernel, kc, apack + ir / cfg.mr * a_panel, bp, std::min(cfg.mr, mc - ir), std::min(cfg.nr, nc - jr),
                             p.alpha, beta, p.c + (ic + ir) * p.ldc + jc + jr, p.ldc);
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ small products, AVX-512

// A product whose operands sit in L1 and L2 with room to spare (the layers of the small MLPs of
// reinforcement learning, classifier heads) spends a good part of the blocked path's time outside
// the micro-kernel: copying A into panels, copying B into panels when it needs no transposing,
// and computing partial edge tiles in full through a scratch tile. On AVX-512 this path instead
// reads A where it lies (row- or column-major alike, as the broadcast loads take one element at a
// time), reads B where it lies unless it is stored transposed (then it packs one 32-column panel
// at a time), and covers the edges with kernels of the exact number of rows and one or two
// vectors of columns whose last vector is masked. Every element of C takes the same operations as
// in the blocked path's full tiles (one k block, the same order of fused multiply-adds, the same
// alpha and beta), so which path a product takes does not change its result.
constexpr int64_t kSmallMaxK = 256, kSmallMaxFloats = 48 * 1024;

using SmallKernel = void (*)(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float alpha,
                             const float* bias, float beta, float* c, int64_t ldc, __mmask16 last);

// C rows [0, MR) x columns [0, 16 * NV) (the last vector only where `last` is set) =
// alpha * op(A) * B + beta * C, where op(A)(i, p) is a[p * lda + i] (TA) or a[i * lda + p], and
// row p of B starts at b + p * ldb; plus bias[j] when bias is not NULL. C is not read when beta == 0.
template <int MR, int NV, bool TA>
__attribute__((target("avx512f"))) void small_kernel(int64_t k, const float* a, int64_t lda, const float* b,
                                                      int64_t ldb, float alpha, const float* bias, float beta, float* c,
                                                      int64_t ldc, __mmask16 last) {
    __m512 acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < k; ++p) {
        __m512 bv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            bv[v] = v + 1 < NV ? _mm512_loadu_ps(b + 16 * v) : _mm512_maskz_loadu_ps(last, b + 16 * v);
        }
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) {
            const __m512 ai = _mm512_set1_ps(TA ? a[i] : a[i * lda]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
        }
        a += TA ? lda : 1;
        b += ldb;
    }
    const __m512 va = _mm512_set1_ps(alpha);
    const __m512 vb = _mm512_set1_ps(beta);
    __m512 bias_v[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
        const __mmask16 m = v + 1 < NV ? static_cast<__mmask16>(0xFFFF) : last;
        bias_v[v] = bias != nullptr ? _mm512_maskz_loadu_ps(m, bias + 16 * v) : _mm512_setzero_ps();
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
        float* row = c + i * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            const __mmask16 m = v + 1 < NV ? static_cast<__mmask16>(0xFFFF) : last;
            __m512 r = _mm512_mul_ps(va, acc[i][v]);
            if (bias != nullptr) r = _mm512_add_ps(r, bias_v[v]);
            if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, row + 16 * v), r);
            _mm512_mask_storeu_ps(row + 16 * v, m, r);
        }
    }
}

template <bool TA, int MR>
SmallKernel small_kernel_of(int nv) {
    return nv == 1 ? small_kernel<MR, 1, TA> : small_kernel<MR, 2, TA>;
}

template <bool TA>
SmallKernel small_kernel_of(int64_t rows, int nv) {
    switch (rows) {
        case 1: return small_kernel_of<TA, 1>(nv);
        case 2: return small_kernel_of<TA, 2>(nv);
        case 3: return small_kernel_of<TA, 3>(nv);
        case 4: return small_kernel_of<TA, 4>(nv);
        case 5: return small_kernel_of<TA, 5>(nv);
        case 6: return small_kernel_of<TA, 6>(nv);
        case 7: return small_kernel_of<TA, 7>(nv);
        default: return small_kernel_of<TA, 8>(nv);
    }
}

constexpr int64_t kSmallMr = 8, kSmallNr = 32;

bool use_small(const KernelConfig& cfg, const Problem& p) {
    return cfg.small_path && p.k <= kSmallMaxK && p.m * p.k + p.k * p.n <= kSmallMaxFloats;
}

// Floats of packing scratch run_small needs: one transposed panel of B.
int64_t small_pack_floats(int64_t k) { return kSmallNr * k; }

// The whole of p (k > 0) in kSmallMr x kSmallNr tiles, a panel of B at a time.
void run_small(const Problem& p, float* pack) {
    for (int64_t j0 = 0; j0 < p.n; j0 += kSmallNr) {
        const int64_t cols = std::min(kSmallNr, p.n - j0);
        const int nv = cols > 16 ? 2 : 1;
        const __mmask16 last = static_cast<__mmask16>((1u << (cols - 16 * (nv - 1))) - 1);
        const float* b = p.b + j0;
        int64_t ldb = p.ldb;
        if (p.trans_b) {
            pack_b(true, p.b + j0 * p.ldb, p.ldb, p.k, cols, kSmallNr, pack);
            b = pack;
            ldb = kSmallNr;
        }
        for (int64_t i0 = 0; i0 < p.m; i0 += kSmallMr) {
            const int64_t rows = std::min(kSmallMr, p.m - i0);
            const SmallKernel kernel = p.trans_a ? small_kernel_of<true>(rows, nv) : small_kernel_of<false>(rows, nv);
            const float* a = p.trans_a ? p.a + i0 : p.a + i0 * p.lda;
            kernel(p.k, a, p.lda, b, ldb, p.alpha, p.bias == nullptr ? nullptr : p.bias + j0, p.beta,
                   p.c + i0 * p.ldc + j0, p.ldc, last);
        }
    }
}

// ------------------------------------------------------------------ A * B^T with few rows

// C = A * B^T with few rows of A is a fully connected layer's forward pass (batch rows times the
// rows of the weight matrix). Blocked, it spends about a third of its time transposing B into
// panels, as each packed element then serves only m / MR micro-kernel calls. But both operands
// already run along k in memory, so this path takes dot products instead: lanes along k, no
// packing, and one horizontal sum per element of C at the end (cheap when k is long). With a
// handful of rows (a batch-1 forward pass: an RL agent acting, inference) packing B costs more
// than the whole product, so dot products win at any k; and so they do for a handful of columns
// (an output layer of 2 to 6 features), where packing A would cost more than the product.
constexpr int64_t kDotMaxM = 64, kDotMinK = 256, kDotAnyKMaxM = 4;
constexpr int kDotRows = 4, kDotCols = 6;  // 24 accumulators, 4 + 1 vectors of operands

// C[i][j] = alpha * dot(A row i, B row j) + beta * C[i][j] for an MI x NJ tile. Every element
// takes the same sequence of operations whatever the tile shape, so edge tiles (1 x 1) give the
// same bits as full ones and the result does not depend on how the columns are split.
// Sum of the 16 lanes of v, always in the same order.
// (The halves go through memory: GCC 12's cross-lane 512-bit intrinsics trip -Wuninitialized.)
__attribute__((target("avx512f"), always_inline)) inline float lane_sum(__m512 v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    const __m256 h = _mm256_add_ps(_mm256_load_ps(lanes), _mm256_load_ps(lanes + 8));
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

// One step of dot_tile: 16 (or, masked, fewer) values of k from position p.
template <int MI, int NJ>
__attribute__((target("avx512f"), always_inline)) inline void dot_step(__m512 (&acc)[MI][NJ], const float* a,
                                                                       int64_t lda, const float* b, int64_t ldb,
                                                                       __mmask16 mask) {
    __m512 av[MI];
#pragma GCC unroll 8
    for (int i = 0; i < MI; ++i) av[i] = _mm512_maskz_loadu_ps(mask, a + i * lda);
#pragma GCC unroll 8
    for (int j = 0; j < NJ; ++j) {
        const __m512 bj = _mm512_maskz_loadu_ps(mask, b + j * ldb);
#pragma GCC unroll 8
        for (int i = 0; i < MI; ++i) acc[i][j] = _mm512_fmadd_ps(av[i], bj, acc[i][j]);
    }
}

template <int MI, int NJ>
__attribute__((target("avx512f"))) void dot_tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                                                 float alpha, const float* bias, float beta, float* c, int64_t ldc) {
    __m512 acc[MI][NJ];
#pragma GCC unroll 8
    for (int i = 0; i < MI; ++i) {
#pragma GCC unroll 8
        for (int j = 0; j < NJ; ++j) acc[i][j] = _mm512_setzero_ps();
    }
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) dot_step<MI, NJ>(acc, a + p, lda, b + p, ldb, 0xFFFF);
    if (p < k) dot_step<MI, NJ>(acc, a + p, lda, b + p, ldb, static_cast<__mmask16>((1u << (k - p)) - 1));
#pragma GCC unroll 8
    for (int i = 0; i < MI; ++i) {
#pragma GCC unroll 8
        for (int j = 0; j < NJ; ++j) {
            float v = alpha * lane_sum(acc[i][j]);
            if (bias != nullptr) v += bias[j];
            c[i * ldc + j] = beta != 0.0f ? v + beta * c[i * ldc + j] : v;
        }
    }
}

// The dot tile of kDotRows rows and nj (1 to kDotCols) columns: a layer with fewer outputs than
// kDotCols (the 2 to 6 actions of a Q-network) then still takes whole row groups.
using DotTile = void (*)(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float alpha,
                         const float* bias, float beta, float* c, int64_t ldc);

DotTile dot_rows_of(int64_t nj) {
    static_assert(kDotCols == 6, "one case per column count");
    switch (nj) {
        case 1: return dot_tile<kDotRows, 1>;
        case 2: return dot_tile<kDotRows, 2>;
        case 3: return dot_tile<kDotRows, 3>;
        case 4: return dot_tile<kDotRows, 4>;
        case 5: return dot_tile<kDotRows, 5>;
        default: return dot_tile<kDotRows, 6>;
    }
}

bool use_dot(const Problem& p) {
    static const bool avx512 = cpu_features().avx512f;
    return avx512 && !p.trans_a && p.trans_b && (p.n <= kDotCols || (p.m <= kDotMaxM && (p.k >= kDotMinK || p.m <= kDotAnyKMaxM)));
}

// The whole of p by dot tiles: a group of kDotCols rows of B stays in cache while every group
// of rows of A passes by it.
void run_dot(const Problem& p) {
    for (int64_t j0 = 0; j0 < p.n; j0 += kDotCols) {
        const int64_t nj = std::min<int64_t>(kDotCols, p.n - j0);
        for (int64_t i0 = 0; i0 < p.m; i0 += kDotRows) {
            const int64_t mi = std::min<int64_t>(kDotRows, p.m - i0);
            const float* a = p.a + i0 * p.lda;
            const float* b = p.b + j0 * p.ldb;
            float* c = p.c + i0 * p.ldc + j0;
            const float* bias = p.bias == nullptr ? nullptr : p.bias + j0;
            if (mi == kDotRows) {
                dot_rows_of(nj)(p.k, a, p.lda, b, p.ldb, p.alpha, bias, p.beta, c, p.ldc);
                continue;
            }
            for (int64_t i = 0; i < mi; ++i) {
                for (int64_t j = 0; j < nj; ++j) {
                    dot_tile<1, 1>(p.k, a + i * p.lda, p.lda, b + j * p.ldb, p.ldb, p.alpha,
                                   bias == nullptr ? nullptr : bias + j, p.beta, c + i * p.ldc + j, p.ldc);
                }
            }
        }
    }
}

// One product or a thread's part of one, by the path chosen for the whole product.
void run_part(const KernelConfig& cfg, bool small, const Problem& p, float* pack) {
    if (small && p.m > 0 && p.n > 0 && p.k > 0) {
        run_small(p, pack);
    } else {
        run_blocked(cfg, p, pack);
    }
}

// Below this many multiply-adds a product is not worth waking the other threads for.
constexpr int64_t kParallelMinMacs = 1 << 17;

}  // namespace

const char* gemm_kernel_name() { return config().name; }

int64_t gemm_pack_floats(int64_t m, int64_t n, int64_t k) { return pack_floats(config(), m, n, k); }

void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* pack) {
    const Problem p{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
    run_part(config(), use_small(config(), p), p, pack);
}

namespace {

// A small product with few columns and many rows (a first layer's weight gradient: hidden
// units by a handful of inputs) fills the vectors of its tiles poorly: each row of C takes at
// least one vector of 16 columns. Computed as C^T = op(B)^T op(A)^T, the long side runs along the
// vectors instead. Worth it when that needs at most half the vector multiply-adds.
bool use_transposed(const KernelConfig& cfg, const Problem& p) {
    const auto vectors = [](int64_t cols) { return (cols + 15) / 16; };
    return p.bias == nullptr && p.m > 0 && p.n > 0 && p.k > 0 && use_small(cfg, p) &&
           2 * p.n * vectors(p.m) <= p.m * vectors(p.n);
}

void run(anvil_context& ctx, const Problem& problem);

// C = alpha * T^T + beta * C, with T = op(B)^T op(A)^T computed into workspace slot 1 by the
// same kernels (the same multiply-adds in the same order), so the result is what the direct
// product gives, bit for bit.
void run_transposed(anvil_context& ctx, const Problem& p) {
    float* t = ctx.workspace.get<float>(1, static_cast<size_t>(p.m * p.n));
    run(ctx, {!p.trans_b, !p.trans_a, p.n, p.m, p.k, 1.0f, p.b, p.ldb, p.a, p.lda, 0.0f, t, p.m});
    for (int64_t i = 0; i < p.m; ++i) {
        float* row = p.c + i * p.ldc;
        for (int64_t j = 0; j < p.n; ++j) {
            const float r = p.alpha * t[j * p.m + i];
            row[j] = p.beta != 0.0f ? std::fma(p.beta, row[j], r) : r;
        }
    }
}

// gemm() and gemm_bias(): p across ctx's pool.
void run(anvil_context& ctx, const Problem& problem) {
    const KernelConfig& cfg = config();
    Problem p = problem;
    const int64_t m = p.m, n = p.n, k = p.k;
    if (!use_dot(p) && use_transposed(cfg, p)) {
        run_transposed(ctx, p);
        return;
    }
    if (m > 0 && n > 0 && use_dot(p)) {
        // Whole groups of kDotCols columns per thread, so that only the last group is ragged.
        const int64_t groups = (n + kDotCols - 1) / kDotCols;
        const int64_t workers = m * n * k < kParallelMinMacs ? 1 : std::min<int64_t>(ctx.pool.size(), groups);
        if (workers == 1) {
            run_dot(p);
            return;
        }
        ctx.pool.run([&](int tid, int) {
            if (tid >= workers) return;
            const int64_t begin = std::min(n, groups * tid / workers * kDotCols);
            const int64_t end = std::min(n, groups * (tid + 1) / workers * kDotCols);
            if (begin < end) run_dot(cols_of(p, begin, end - begin));
        });
        return;
    }
    // Split C into one slab per thread along whichever dimension has more micro-tiles, in whole
    // micro-tiles so that no tile is shared; each thread packs its own operands.
    const int64_t tiles_m = (m + cfg.mr - 1) / cfg.mr;
    const int64_t tiles_n = (n + cfg.nr - 1) / cfg.nr;
    const bool split_n = tiles_n >= tiles_m;
    const int64_t tiles = split_n ? tiles_n : tiles_m;
    int64_t workers = std::min<int64_t>(ctx.pool.size(), tiles);
    if (m * n * std::max<int64_t>(k, 1) < kParallelMinMacs) workers = 1;

    const bool small = use_small(cfg, p);
    if (p.bias != nullptr && (!small || k <= 0)) {
        // The blocked path has no bias in its epilogue: start C at the bias and add onto it.
        for (int64_t i = 0; i < m; ++i) std::copy(p.bias, p.bias + n, p.c + i * p.ldc);
        p.beta = 1.0f;
        p.bias = nullptr;
    }
    const int64_t per_thread = align16(small ? small_pack_floats(k) : pack_floats(cfg, m, n, k));
    float* pack = ctx.workspace.get<float>(0, static_cast<size_t>(per_thread * workers));
    if (workers == 1) {
        run_part(cfg, small, p, pack);
        return;
    }
    ctx.pool.run([&](int tid, int) {
        if (tid >= workers) return;
        const int64_t step = split_n ? cfg.nr : cfg.mr;
        const int64_t extent = split_n ? n : m;
        const int64_t begin = std::min(extent, tiles * tid / workers * step);
        const int64_t end = std::min(extent, tiles * (tid + 1) / workers * step);
        if (begin >= end) return;
        const Problem part = split_n ? cols_of(p, begin, end - begin) : rows_of(p, begin, end - begin);
        run_part(cfg, small, part, pack + per_thread * tid);
    });
}

}  // namespace

void gemm(anvil_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    run(ctx, {trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc});
}

void gemm_bias(anvil_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
               int64_t lda, const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc) {
    run(ctx, {trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc, bias});
}

}  // namespace anvil::cpu
