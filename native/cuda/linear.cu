// Fully connected layer on CUDA: the three products of cpu/linear.cpp on the tiled GEMM of
// gemm.cuh, their transposes absorbed by the operands' index mappings. Shapes: x [B,I],
// w [O,I], y [B,O]. Also the per-sample squared gradient norms of differential privacy (the ghost
// norm), one block per sample.
#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/gemm.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

// A row-major matrix p with leading dimension ld, element (row, col) at row * ld + col; the
// operands below read it as A or B, transposed or not. Its rows can be read as float4s when
// they all start 16-byte aligned.
struct Matrix {
    const float* p;
    int64_t ld;
    bool v4;  // p and ld allow float4 loads along a row
    Matrix(const float* data, int64_t lead)
        : p(data), ld(lead), v4(aligned16(data) && lead % 4 == 0) {}
    __device__ float at(int64_t row, int64_t col) const { return p[row * ld + col]; }
    __device__ float4 at4(int64_t row, int64_t col) const { return *reinterpret_cast<const float4*>(p + row * ld + col); }
};

// A[m, k] = M[m, k]
struct RowMajorA : Matrix {
    static constexpr bool k_contiguous = true, can_load4 = true;
    using Matrix::Matrix;
    __device__ float operator()(int64_t, int64_t m, int64_t k) const { return at(m, k); }
    __device__ float4 load4(int64_t, int64_t m, int64_t k) const { return at4(m, k); }
};

// A[m, k] = M[k, m]
struct TransposedA : Matrix {
    static constexpr bool k_contiguous = false, can_load4 = true;
    using Matrix::Matrix;
    __device__ float operator()(int64_t, int64_t m, int64_t k) const { return at(k, m); }
    __device__ float4 load4(int64_t, int64_t m, int64_t k) const { return at4(k, m); }
};

// B[k, n] = M[k, n]
struct RowMajorB : Matrix {
    static constexpr bool n_contiguous = true, can_load4 = true;
    using Matrix::Matrix;
    __device__ float operator()(int64_t, int64_t k, int64_t n) const { return at(k, n); }
    __device__ float4 load4(int64_t, int64_t k, int64_t n) const { return at4(k, n); }
};

// B[k, n] = M[n, k]
struct TransposedB : Matrix {
    static constexpr bool n_contiguous = false, can_load4 = true;
    using Matrix::Matrix;
    __device__ float operator()(int64_t, int64_t k, int64_t n) const { return at(n, k); }
    __device__ float4 load4(int64_t, int64_t k, int64_t n) const { return at4(n, k); }
};

// C[m, n] = sum (+ bias[n] when there is a bias) (+ the old C[m, n] when accumulating).
struct StoreC {
    float* p;
    int64_t ld;
    const float* bias;
    bool accumulate;
    __device__ void operator()(int64_t, int64_t m, int64_t n, float sum) const {
        float* at = p + m * ld + n;
        if (bias != nullptr) sum += bias[n];
        *at = accumulate ? *at + sum : sum;
    }
};

// db[o] (+)= sum over the batch of dy[r, o]: one thread per feature adds the rows in order, so
// the result is deterministic and the loads of a warp are contiguous.
__global__ void bias_grad_kernel(int64_t B, int64_t O, const float* dy, float* db, bool accumulate) {
    ANVIL_GRID_STRIDE(o, O) {
        float sum = accumulate ? db[o] : 0.0f;
        for (int64_t r = 0; r < B; ++r) sum += dy[r * O + o];
        db[o] = sum;
    }
}

__global__ void __launch_bounds__(kThreads) per_sample_sq_norms_kernel(anvil_linear_desc d, const float* x, const float* dy,
                                                                       bool bias, float* sq) {
    __shared__ double partial[kThreads];
    const int64_t i = blockIdx.x;
    double lx = 0.0, lg = 0.0;
    for (int64_t k = threadIdx.x; k < d.in_features; k += kThreads) {
        const double v = x[i * d.in_features + k];
        lx += v * v;
    }
    for (int64_t k = threadIdx.x; k < d.out_features; k += kThreads) {
        const double v = dy[i * d.out_features + k];
        lg += v * v;
    }
    const double xx = block_sum(lx, partial), gg = block_sum(lg, partial);
    if (threadIdx.x == 0) sq[i] = static_cast<float>(sq[i] + gg * xx + (bias ? gg : 0.0));
}

}  // namespace

void linear_forward(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // y[B,O] = x[B,I] * w[O,I]^T + bias
    gemm(ctx, 1, B, O, I, RowMajorA(x, I), TransposedB(w, I), StoreC{y, O, bias, false}, "linear_forward");
}

void linear_backward_data(anvil_context& ctx, const anvil_linear_desc& d, const float* dy, const float* w,
                          float* dx) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // dx[B,I] = dy[B,O] * w[O,I]
    gemm(ctx, 1, B, I, O, RowMajorA(dy, O), RowMajorB(w, I), StoreC{dx, I, nullptr, false},
         "linear_backward_data");
}

void linear_backward_weight(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    cudaStream_t stream = enter(ctx);
    // dw[O,I] (+)= dy[B,O]^T * x[B,I]
    gemm(ctx, 1, O, I, B, TransposedA(dy, O), RowMajorB(x, I), StoreC{dw, I, nullptr, accumulate},
         "linear_backward_weight");
    if (db == nullptr) return;
    bias_grad_kernel<<<blocks_for(O), kThreads, 0, stream>>>(B, O, dy, db, accumulate);
    ANVIL_CUDA_LAUNCHED("linear_backward_weight bias kernel, batch=%lld out_features=%lld",
                        static_cast<long long>(B), static_cast<long long>(O));
}

void matmul(anvil_context& ctx, int64_t m, int64_t k, int64_t n, const float* a, const float* b, float* c) {
    // c[m,n] = a[m,k] * b[k,n]
    gemm(ctx, 1, m, n, k, RowMajorA(a, k), RowMajorB(b, n), StoreC{c, n, nullptr, false}, "matmul");
}

void linear_per_sample_sq_norms(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy, bool bias,
                                float* sq) {
    per_sample_sq_norms_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(d, x, dy, bias, sq);
    ANVIL_CUDA_LAUNCHED("linear_per_sample_sq_norms kernel, batch %lld", static_cast<long long>(d.batch));
}

}  // namespace anvil::cuda
