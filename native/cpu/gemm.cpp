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
#include <cstring>

#include "cpu/kernels.h"
#include "cpu_features.h"

namespace anvil::cpu {

namespace {

// Computes the full MR x NR tile C = alpha * A * B + beta * C from packed panels: `a` holds kc
// groups of MR values (a column of the A micro-panel each), `b` kc groups of NR values (a row of
// the B micro-panel each). C is not read when beta == 0.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c,
                             int64_t ldc);

struct KernelConfig {
    const char* name;
    MicroKernel kernel;
    int64_t mr, nr;
    int64_t mc, kc, nc;  // cache blocks: A block mc x kc in L2, B micro-panel kc x nr in L1
};

// Largest MR * NR of any kernel below (the scratch tile of partial edge tiles).
constexpr int64_t kMaxTile = 16 * 32;

// ------------------------------------------------------------------ micro-kernels

template <int MR>
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
            const __m512 ai = _mm512_set1_ps(a[i]);
            acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
        }
        a += MR;
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

template <int MR>
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
            const __m256 ai = _mm256_broadcast_ss(a + i);
            acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
            acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
        }
        a += MR;
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

void kernel_generic(int64_t kc, const float* a, const float* b, float alpha, float beta, float* c, int64_t ldc) {
    float acc[kGenericMr][kGenericNr] = {};
    for (int64_t p = 0; p < kc; ++p) {
        for (int i = 0; i < kGenericMr; ++i) {
            for (int j = 0; j < kGenericNr; ++j) acc[i][j] += a[i] * b[j];
        }
        a += kGenericMr;
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
    // A block within about half of a 1 MiB L2; NC bounds the packed B block for L3.
    if (f.avx512f) return {"avx512-14x32", kernel_avx512<14>, 14, 32, 14 * 24, 256, 4096};
    if (f.avx2 && f.fma) return {"avx2-6x16", kernel_avx2<6>, 6, 16, 6 * 24, 256, 4096};
    return {"generic-4x16", kernel_generic, kGenericMr, kGenericNr, kGenericMr * 32, 256, 4096};
}

const KernelConfig& config() {
    static const KernelConfig cfg = choose_kernel();
    return cfg;
}

// ------------------------------------------------------------------ packing

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Packs rows [0, mc) x columns [0, kc) of op(A) (already offset to the block) into MR-tall
// micro-panels, each stored column by column and zero-padded to MR rows.
void pack_a(bool trans, const float* a, int64_t lda, int64_t mc, int64_t kc, int64_t mr, float* out) {
    for (int64_t i0 = 0; i0 < mc; i0 += mr, out += mr * kc) {
        const int64_t rows = std::min(mr, mc - i0);
        if (trans) {
            // op(A)(i, p) = a[p * lda + i]: each column of the micro-panel is contiguous.
            for (int64_t p = 0; p < kc; ++p) {
                const float* src = a + p * lda + i0;
                float* dst = out + p * mr;
                for (int64_t i = 0; i < rows; ++i) dst[i] = src[i];
                for (int64_t i = rows; i < mr; ++i) dst[i] = 0.0f;
            }
        } else {
            for (int64_t i = 0; i < rows; ++i) {
                const float* src = a + (i0 + i) * lda;
                for (int64_t p = 0; p < kc; ++p) out[p * mr + i] = src[p];
            }
            for (int64_t i = rows; i < mr; ++i) {
                for (int64_t p = 0; p < kc; ++p) out[p * mr + i] = 0.0f;
            }
        }
    }
}

// Packs rows [0, kc) x columns [0, nc) of op(B) into NR-wide micro-panels, each stored row by
// row and zero-padded to NR columns.
void pack_b(bool trans, const float* b, int64_t ldb, int64_t kc, int64_t nc, int64_t nr, float* out) {
    for (int64_t j0 = 0; j0 < nc; j0 += nr, out += nr * kc) {
        const int64_t cols = std::min(nr, nc - j0);
        if (trans) {
            // op(B)(p, j) = b[j * ldb + p]: walk each source row contiguously.
            for (int64_t j = 0; j < cols; ++j) {
                const float* src = b + (j0 + j) * ldb;
                for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = src[p];
            }
            for (int64_t j = cols; j < nr; ++j) {
                for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = 0.0f;
            }
        } else {
            for (int64_t p = 0; p < kc; ++p) {
                const float* src = b + p * ldb + j0;
                float* dst = out + p * nr;
                std::memcpy(dst, src, static_cast<size_t>(cols) * sizeof(float));
                for (int64_t j = cols; j < nr; ++j) dst[j] = 0.0f;
            }
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
    return align16(mc * kc) + align16(kc * nc);
}

// Runs the micro-kernel on one tile; partial edge tiles go through an aligned scratch tile so
// that the kernel always works on full MR x NR tiles.
void tile(const KernelConfig& cfg, int64_t kc, const float* ap, const float* bp, int64_t rows, int64_t cols,
          float alpha, float beta, float* c, int64_t ldc) {
    if (rows == cfg.mr && cols == cfg.nr) {
        cfg.kernel(kc, ap, bp, alpha, beta, c, ldc);
        return;
    }
    alignas(64) float t[kMaxTile];
    cfg.kernel(kc, ap, bp, 1.0f, 0.0f, t, cfg.nr);
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
    float* apack = pack;
    float* bpack = pack + align16(std::min(cfg.mc, round_up(p.m, cfg.mr)) * std::min(cfg.kc, p.k));
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
                pack_a(p.trans_a, asrc, p.lda, mc, kc, cfg.mr, apack);
                for (int64_t jr = 0; jr < nc; jr += cfg.nr) {
                    const float* bp = bpack + jr * kc;
                    for (int64_t ir = 0; ir < mc; ir += cfg.mr) {
                        tile(cfg, kc, apack + ir * kc, bp, std::min(cfg.mr, mc - ir), std::min(cfg.nr, nc - jr),
                             p.alpha, beta, p.c + (ic + ir) * p.ldc + jc + jr, p.ldc);
                    }
                }
            }
        }
    }
}

// Below this many multiply-adds a product is not worth waking the other threads for.
constexpr int64_t kParallelMinMacs = 1 << 17;

}  // namespace

const char* gemm_kernel_name() { return config().name; }

int64_t gemm_pack_floats(int64_t m, int64_t n, int64_t k) { return pack_floats(config(), m, n, k); }

void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* pack) {
    run_blocked(config(), {trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}, pack);
}

void gemm(anvil_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    const KernelConfig& cfg = config();
    const Problem p{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
    // Split C into one slab per thread along whichever dimension has more micro-tiles, in whole
    // micro-tiles so that no tile is shared; each thread packs its own operands.
    const int64_t tiles_m = (m + cfg.mr - 1) / cfg.mr;
    const int64_t tiles_n = (n + cfg.nr - 1) / cfg.nr;
    const bool split_n = tiles_n >= tiles_m;
    const int64_t tiles = split_n ? tiles_n : tiles_m;
    int64_t workers = std::min<int64_t>(ctx.pool.size(), tiles);
    if (m * n * std::max<int64_t>(k, 1) < kParallelMinMacs) workers = 1;

    const int64_t per_thread = align16(pack_floats(cfg, m, n, k));
    float* pack = ctx.workspace.get<float>(0, static_cast<size_t>(per_thread * workers));
    if (workers == 1) {
        run_blocked(cfg, p, pack);
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
        run_blocked(cfg, part, pack + per_thread * tid);
    });
}

}  // namespace anvil::cpu
