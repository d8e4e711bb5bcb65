// 16 x 16 float transposes in AVX-512 registers, shared by the convolution kernels that turn
// tiles of positions x channels into NCHW planes and back.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace anvil::cpu {

// Transposes 16 rows of 16 floats in registers: four rounds, round H swapping the off-diagonal
// H x H blocks of every 2H x 2H block (element (i, l) with bit H of l set trades places with
// element (i + H, l - H)).
template <int H>
__attribute__((target("avx512f"), always_inline)) inline void transpose_round(__m512 (&rows)[16]) {
    const __m512i lo = _mm512_setr_epi32(0 & H ? 16 - H : 0, 1 & H ? 17 - H : 1, 2 & H ? 18 - H : 2,
                                         3 & H ? 19 - H : 3, 4 & H ? 20 - H : 4, 5 & H ? 21 - H : 5,
                                         6 & H ? 22 - H : 6, 7 & H ? 23 - H : 7, 8 & H ? 24 - H : 8,
                                         9 & H ? 25 - H : 9, 10 & H ? 26 - H : 10, 11 & H ? 27 - H : 11,
                                         12 & H ? 28 - H : 12, 13 & H ? 29 - H : 13, 14 & H ? 30 - H : 14,
                                         15 & H ? 31 - H : 15);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(H));
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {
        if ((i & H) != 0) continue;
        const __m512 a = rows[i], b = rows[i + H];
        rows[i] = _mm512_permutex2var_ps(a, lo, b);
        rows[i + H] = _mm512_permutex2var_ps(a, hi, b);
    }
}

__attribute__((target("avx512f"), always_inline)) inline void transpose16(__m512 (&rows)[16]) {
    transpose_round<8>(rows);
    transpose_round<4>(rows);
    transpose_round<2>(rows);
    transpose_round<1>(rows);
}

// Turns a block of up to 16 rows around: rows [0, rows) of `count` <= 16 floats, src_stride apart
// (rows beyond `rows` read as zero), become `count` vectors of 16, dst_stride apart (64-byte
// aligned): vector l holds element l of every row. Channel planes into positions x channels.
__attribute__((target("avx512f"))) inline void transpose_to_vectors(const float* src, int64_t src_stride,
                                                                     int64_t rows, int64_t count, float* dst,
                                                                     int64_t dst_stride) {
    const __mmask16 mask = static_cast<__mmask16>((1u << count) - 1);
    __m512 v[16];
    for (int j = 0; j < 16; ++j) v[j] = j < rows ? _mm512_maskz_loadu_ps(mask, src + j * src_stride) : _mm512_setzero_ps();
    transpose16(v);
    for (int64_t l = 0; l < count; ++l) _mm512_store_ps(dst + l * dst_stride, v[l]);
}

// Writes channels [0, count) (count <= 16) of a channel tile of mr <= 16 positions, rows of nr
// floats, into `count` output planes `plane` apart, adding bias[o] when bias is not null: one
// register transpose instead of a strided walk over the tile.
__attribute__((target("avx512f"))) inline void store_channel_tile(const float* tile, int64_t nr, int64_t mr,
                                                                   int64_t count, const float* bias, float* out,
                                                                   int64_t plane) {
    __m512 rows[16];
    for (int i = 0; i < 16; ++i) rows[i] = i < mr ? _mm512_load_ps(tile + i * nr) : _mm512_setzero_ps();
    transpose16(rows);
    const __mmask16 mask = static_cast<__mmask16>((1u << mr) - 1);
    for (int64_t o = 0; o < count; ++o) {
        const __m512 b = _mm512_set1_ps(bias != nullptr ? bias[o] : 0.0f);
        _mm512_mask_storeu_ps(out + o * plane, mask, _mm512_add_ps(rows[o], b));
    }
}

}  // namespace anvil::cpu
