// Internal single-precision GEMM of the CPU backend (row-major, BLAS-like arguments):
//   C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C
// where op(A) is A (stored m x k, row stride lda) or, with trans_a, A^T (A stored k x m).
// Likewise op(B) is B (k x n, stride ldb) or, with trans_b, B^T (B stored n x k).
// When beta == 0, C is not read (it may hold garbage or NaN).
//
// Results do not depend on the number of threads: every element of C is computed by one thread
// with the same blocking and summation order.
//
// Workspace slots of anvil_context::workspace used by the CPU kernels (each slot holds one buffer
// that a kernel splits into per-thread parts, so any thread count fits):
//   0      gemm(): packing buffers, one part per thread
//   1      gemm(): the transposed result of a small product with few columns
//   16     conv2d: GEMM packing buffers, one part per thread
//   17     conv2d: im2col / col2im column buffers, one part per thread
//   18     conv2d backward-weight: per-thread partial weight gradients
//   19-24  conv2d_direct.cpp: packed weights, offset table, padded planes, transposed output
//          gradient, partial weight gradients, per-image bias sums
//   25-27  conv2d_winograd.cpp: transformed weights, per-thread scratch, per-image bias sums
// Slots must be requested on the calling thread (Workspace is not thread-safe), before
// the parallel region that uses them.
#pragma once

#include <cstdint>

#include "context.h"

namespace anvil::cpu {

// Multi-threaded over ctx.pool; packing scratch from workspace slot 0.
void gemm(anvil_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// C[m,n] = op(A) * op(B) + bias, the row vector bias[n] added to every row of C (a fully connected
// layer's forward pass); C is not read. The same pooling as gemm().
void gemm_bias(anvil_context& ctx, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
               int64_t lda, const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc);

// Floats of packing scratch that gemm_serial needs for an m x n x k product (already including
// the slack needed to align the buffers it carves out of it).
int64_t gemm_pack_floats(int64_t m, int64_t n, int64_t k);

// Runs on the calling thread only, for use inside an already parallel loop. `pack` must be
// 64-byte aligned and hold gemm_pack_floats(m, n, k) floats.
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* pack);

// Name of the micro-kernel chosen for this CPU, e.g. "avx512-8x32" (also declared in kernels.h).
const char* gemm_kernel_name();

}  // namespace anvil::cpu
