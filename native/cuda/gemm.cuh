// The tiled SGEMM behind linear and conv2d: C[M,N] = A[M,K] * B[K,N] for each of Z independent
// problems (conv2d's groups). The operands are not matrices in memory but functors, so that a
// transpose is an index mapping and conv2d can gather its im2col operand from x on the fly:
//   a(z, m, k) and b(z, k, n) return an element (only called in range), c(z, m, n, sum) stores
//   a result (the functor adds bias or the old value where wanted);
//   A::k_contiguous and B::n_contiguous say along which index consecutive elements lie in memory,
//   so the tile loads let neighbouring threads read neighbouring addresses.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cuda/check.cuh"

namespace anvil::cuda {

// A 64x64 tile of C per block of 256 threads, each thread 4x4 of it, over K in steps of 16.
constexpr int kTileM = 64, kTileN = 64, kTileK = 16;
constexpr int kGemmThreads = 256;

template <class A, class B, class C>
__global__ void __launch_bounds__(kGemmThreads)
    gemm_kernel(int64_t Z, int64_t M, int64_t N, int64_t K, A a, B b, C c) {
    __shared__ float as[kTileK][kTileM];
    __shared__ float bs[kTileK][kTileN];
    // Thread (ty, tx) owns rows ty + 16i and columns tx + 16j of the tile: a warp's reads of a
    // row of bs hit 16 consecutive banks, its reads of as are broadcasts.
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int64_t m_tiles = (M + kTileM - 1) / kTileM;
    // The loops cover grids that the launch had to cap (y and z are limited to 65535 blocks).
    for (int64_t z = blockIdx.z; z < Z; z += gridDim.z) {
        for (int64_t mt = blockIdx.y; mt < m_tiles; mt += gridDim.y) {
            const int64_t m0 = mt * kTileM, n0 = blockIdx.x * int64_t{kTileN};
            float sum[4][4] = {};
            for (int64_t k0 = 0; k0 < K; k0 += kTileK) {
                for (int e = threadIdx.x; e < kTileM * kTileK; e += kGemmThreads) {
                    const int mm = A::k_contiguous ? e / kTileK : e % kTileM;
                    const int kk = A::k_contiguous ? e % kTileK : e / kTileM;
                    const int64_t m = m0 + mm, k = k0 + kk;
                    as[kk][mm] = m < M && k < K ? a(z, m, k) : 0.0f;
                }
                for (int e = threadIdx.x; e < kTileN * kTileK; e += kGemmThreads) {
                    const int nn = B::n_contiguous ? e % kTileN : e / kTileK;
                    const int kk = B::n_contiguous ? e / kTileN : e % kTileK;
                    const int64_t n = n0 + nn, k = k0 + kk;
                    bs[kk][nn] = n < N && k < K ? b(z, k, n) : 0.0f;
                }
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
                    if (m < M && n < N) c(z, m, n, sum[i][j]);
                }
            }
        }
    }
}

// Queues the GEMM on `stream`; `what` names the op and its shapes for a launch error.
template <class A, class B, class C>
void gemm(cudaStream_t stream, int64_t Z, int64_t M, int64_t N, int64_t K, A a, B b, C c, const char* what) {
    const int64_t n_tiles = (N + kTileN - 1) / kTileN, m_tiles = (M + kTileM - 1) / kTileM;
    const dim3 grid(static_cast<unsigned>(n_tiles), static_cast<unsigned>(std::min<int64_t>(m_tiles, 65535)),
                    static_cast<unsigned>(std::min<int64_t>(Z, 65535)));
    gemm_kernel<<<grid, kGemmThreads, 0, stream>>>(Z, M, N, K, a, b, c);
    ANVIL_CUDA_LAUNCHED("%s: GEMM %lld x [%lld x %lld] * [%lld x %lld]", what, static_cast<long long>(Z),
                        static_cast<long long>(M), static_cast<long long>(K), static_cast<long long>(K),
                        static_cast<long long>(N));
}

}  // namespace anvil::cuda
