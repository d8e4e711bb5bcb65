// The tiled SGEMM behind linear and conv2d: C[M,N] = A[M,K] * B[K,N] for each of Z independent
// problems (conv2d's groups). When C has too few tiles to fill the GPU (weight gradients: a small
// C, a reduction over the whole batch), K is split across blocks and the slices summed after. The operands are not matrices in memory but functors, so that a
// transpose is an index mapping and conv2d can gather its im2col operand from x on the fly:
//   a(z, m, k) and b(z, k, n) return an element (only called in range), c(z, m, n, sum) stores
//   a result (the functor adds bias or the old value where wanted);
//   A::k_contiguous and B::n_contiguous say along which index consecutive elements lie in memory,
//   so the tile loads let neighbouring threads read neighbouring addresses;
//   an operand with can_load4 (a plain matrix, not conv2d's gathers) also has load4(z, i, j),
//   four consecutive elements along its contiguous index as one float4, used when its member
//   v4 says the rows are 16-byte aligned.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cuda/check.cuh"
#include "cuda/launch.cuh"
#include "cuda_backend.h"
#include "cuda/state.cuh"

namespace anvil::cuda {

// A 64x64 tile of C per block of 256 threads, each thread 4x4 of it, over K in steps of 16.
constexpr int kTileM = 64, kTileN = 64, kTileK = 16;
constexpr int kGemmThreads = 256;

// Where a block's partial tile goes: straight to the caller's functor, or, when K is split
// across blocks, to slice s of a workspace [S][Z][M][N] that gemm_reduce_kernel sums.
template <class C>
struct DirectStore {
    C c;
    __device__ void operator()(int64_t, int64_t z, int64_t m, int64_t n, float sum) const { c(z, m, n, sum); }
};

struct PartialStore {
    float* ws;
    int64_t Z, M, N;
    __device__ void operator()(int64_t s, int64_t z, int64_t m, int64_t n, float sum) const {
        ws[((s * Z + z) * M + m) * N + n] = sum;
    }
};

// Loads the 64x16 tile of A starting at (m0, k0) into as[k][m]: as float4s along the contiguous
// index where the operand allows it (one per thread), element by element otherwise and at the
// edges. Indices outside [0, M) x [k0, k_end) read as zero.
template <class A>
__device__ void load_a_tile(float (&as)[kTileK][kTileM], const A& a, int64_t z, int64_t M, int64_t m0, int64_t k0,
                            int64_t k_end) {
    if constexpr (A::can_load4) {
        if (a.v4) {
            // k contiguous: thread t loads k0 + 4*(t%4) .. +3 of row m0 + t/4; m contiguous: m0 + 4*(t%16) .. +3 of k0 + t/16.
            const int t = threadIdx.x;
            const int mm = A::k_contiguous ? t / 4 : (t % 16) * 4, kk = A::k_contiguous ? (t % 4) * 4 : t / 16;
            const int64_t m = m0 + mm, k = k0 + kk;
            if (A::k_contiguous ? (m < M && k + 3 < k_end) : (m + 3 < M && k < k_end)) {
                const float4 v = a.load4(z, m, k);
                const float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    if (A::k_contiguous) as[kk + i][mm] = e[i];
                    else as[kk][mm + i] = e[i];
                }
            } else {
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    const int64_t mi = A::k_contiguous ? m : m + i, ki = A::k_contiguous ? k + i : k;
                    (A::k_contiguous ? as[kk + i][mm] : as[kk][mm + i]) = mi < M && ki < k_end ? a(z, mi, ki) : 0.0f;
                }
            }
            return;
        }
    }
    for (int e = threadIdx.x; e < kTileM * kTileK; e += kGemmThreads) {
        const int mm = A::k_contiguous ? e / kTileK : e % kTileM;
        const int kk = A::k_contiguous ? e % kTileK : e / kTileM;
        const int64_t m = m0 + mm, k = k0 + kk;
        as[kk][mm] = m < M && k < k_end ? a(z, m, k) : 0.0f;
    }
}

// As load_a_tile for the 16x64 tile of B starting at (k0, n0), into bs[k][n].
template <class B>
__device__ void load_b_tile(float (&bs)[kTileK][kTileN], const B& b, int64_t z, int64_t N, int64_t n0, int64_t k0,
                            int64_t k_end) {
    if constexpr (B::can_load4) {
        if (b.v4) {
            const int t = threadIdx.x;
            const int nn = B::n_contiguous ? (t % 16) * 4 : t / 4, kk = B::n_contiguous ? t / 16 : (t % 4) * 4;
            const int64_t n = n0 + nn, k = k0 + kk;
            if (B::n_contiguous ? (n + 3 < N && k < k_end) : (n < N && k + 3 < k_end)) {
                const float4 v = b.load4(z, k, n);
                const float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    if (B::n_contiguous) bs[kk][nn + i] = e[i];
                    else bs[kk + i][nn] = e[i];
                }
            } else {
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    const int64_t ni = B::n_contiguous ? n + i : n, ki = B::n_contiguous ? k : k + i;
                    (B::n_contiguous ? bs[kk][nn + i] : bs[kk + i][nn]) = ni < N && ki < k_end ? b(z, ki, ni) : 0.0f;
                }
            }
            return;
        }
    }
    for (int e = threadIdx.x; e < kTileN * kTileK; e += kGemmThreads) {
        const int nn = B::n_contiguous ? e % kTileN : e / kTileK;
        const int kk = B::n_contiguous ? e / kTileN : e % kTileK;
        const int64_t n = n0 + nn, k = k0 + kk;
        bs[kk][nn] = n < N && k < k_end ? b(z, k, n) : 0.0f;
    }
}

// Block (x, y, z*S + s) computes C tile (y, x) of problem z over K range [s*k_chunk, (s+1)*k_chunk).
template <class A, class B, class Store>
__global__ void __launch_bounds__(kGemmThreads)
    gemm_kernel(int64_t Z, int64_t M, int64_t N, int64_t K, int64_t S, int64_t k_chunk, A a, B b, Store store) {
    __shared__ float as[kTileK][kTileM];
    __shared__ float bs[kTileK][kTileN];
    // Thread (ty, tx) owns rows ty + 16i and columns tx + 16j of the tile: a warp's reads of a
    // row of bs hit 16 consecutive banks, its reads of as are broadcasts.
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int64_t m_tiles = (M + kTileM - 1) / kTileM;
    // The loops cover grids that the launch had to cap (y and z are limited to 65535 blocks).
    for (int64_t zs = blockIdx.z; zs < Z * S; zs += gridDim.z) {
        const int64_t z = zs / S, s = zs % S;
        const int64_t k_begin = s * k_chunk, k_end = k_begin + k_chunk < K ? k_begin + k_chunk : K;
        for (int64_t mt = blockIdx.y; mt < m_tiles; mt += gridDim.y) {
            const int64_t m0 = mt * kTileM, n0 = blockIdx.x * int64_t{kTileN};
            float sum[4][4] = {};
            for (int64_t k0 = k_begin; k0 < k_end; k0 += kTileK) {
                load_a_tile(as, a, z, M, m0, k0, k_end);
                load_b_tile(bs, b, z, N, n0, k0, k_end);
                __syncthreads();
#pragma unroll
                for (int kk = 0; kk < kTileK; ++kk) {
                    float ra[4], rb[4];
#pragma unroll
                    for (int i = 0; i < 4; ++i) ra[i] = as[kk][ty + 16 * i];
#pragma unroll
                    for (int j = 0; j < 4; ++j) rb[j] = bs[kk][tx + 16 * j];
#pragma unroll
                    for (int i = 0; i < 4; ++i) {
#pragma unroll
                        for (int j = 0; j < 4; ++j) sum[i][j] = fmaf(ra[i], rb[j], sum[i][j]);
                    }
                }
                // The next step overwrites the tiles.
                __syncthreads();
            }
#pragma unroll
            for (int i = 0; i < 4; ++i) {
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const int64_t m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
                    if (m < M && n < N) store(s, z, m, n, sum[i][j]);
                }
            }
        }
    }
}

// Sums the S partial products of each C element in slice order (so the result does not depend
// on timing) and hands the total to the caller's functor.
template <class C>
__global__ void gemm_reduce_kernel(int64_t S, int64_t Z, int64_t M, int64_t N, const float* ws, C c) {
    const int64_t slice = Z * M * N;
    ANVIL_GRID_STRIDE(i, slice) {
        float total = 0.0f;
        for (int64_t s = 0; s < S; ++s) total += ws[s * slice + i];
        c(i / (M * N), i / N % M, i % N, total);
    }
}

// How many slices to split K into: enough blocks for about two per multiprocessor when the C
// tiles alone are too few (the weight gradients: a small C, a long K), each slice still at
// least kMinSliceK long. 1 when the tiles already fill the GPU.
inline int64_t k_splits(int64_t tiles, int64_t K, int sms) {
    constexpr int64_t kMinSliceK = 256;
    if (tiles >= sms) return 1;
    const int64_t wanted = (2 * int64_t{sms} + tiles - 1) / tiles;
    return std::max<int64_t>(1, std::min<int64_t>(wanted, K / kMinSliceK));
}

// Queues the GEMM on the context's stream; `what` names the op and its shapes for a launch error.
// Deterministic: a split K is summed in a fixed order, never with atomics.
template <class A, class B, class C>
void gemm(anvil_context& ctx, int64_t Z, int64_t M, int64_t N, int64_t K, A a, B b, C c, const char* what) {
    cudaStream_t stream = enter(ctx);
    const int64_t n_tiles = (N + kTileN - 1) / kTileN, m_tiles = (M + kTileM - 1) / kTileM;
    const int64_t S = k_splits(Z * m_tiles * n_tiles, K, ctx.cuda->multiprocessors);
    // Slices start at multiples of the K tile, so the float4 loads along K stay aligned.
    const int64_t k_chunk = ((K + S - 1) / S + kTileK - 1) / kTileK * kTileK;
    const dim3 grid(static_cast<unsigned>(n_tiles), static_cast<unsigned>(std::min<int64_t>(m_tiles, 65535)),
                    static_cast<unsigned>(std::min<int64_t>(Z * S, 65535)));
    if (S == 1) {
        gemm_kernel<<<grid, kGemmThreads, 0, stream>>>(Z, M, N, K, S, k_chunk, a, b, DirectStore<C>{c});
    } else {
        auto* ws = static_cast<float*>(device_malloc(ctx, static_cast<size_t>(S * Z * M * N) * sizeof(float)));
        gemm_kernel<<<grid, kGemmThreads, 0, stream>>>(Z, M, N, K, S, k_chunk, a, b, PartialStore{ws, Z, M, N});
        gemm_reduce_kernel<<<blocks_for(Z * M * N), kThreads, 0, stream>>>(S, Z, M, N, ws, c);
        device_free(ctx, ws);  // stream-ordered: reused only by work queued after the reduction
    }
    ANVIL_CUDA_LAUNCHED("%s: GEMM %lld x [%lld x %lld] * [%lld x %lld] in %lld K slices", what,
                        static_cast<long long>(Z), static_cast<long long>(M), static_cast<long long>(K),
                        static_cast<long long>(K), static_cast<long long>(N), static_cast<long long>(S));
}

}  // namespace anvil::cuda
