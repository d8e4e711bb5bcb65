// Fully connected layer on CUDA: the three products of cpu/linear.cpp on the tiled GEMM of
// gemm.cuh, their transposes absorbed by the operands' index mappings. Shapes: x [B,I],
// w [O,I], y [B,O].
#include "cuda/check.cuh"
#include "cuda/gemm.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {

// A row-major matrix with leading dimension ld read as (row, col), where the row is the GEMM's
// m (for A) or k (for B).
struct RowMajorA {
    static constexpr bool k_contiguous = true;
    const float* p;
    int64_t ld;
    __device__ float operator()(int64_t, int64_t m, int64_t k) const { return p[m * ld + k]; }
};

// B = M^T for a row-major M [N,K]: element (k, n) lies at n * ld + k.
struct TransposedB {
    static constexpr bool n_contiguous = false;
    const float* p;
    int64_t ld;
    __device__ float operator()(int64_t, int64_t k, int64_t n) const { return p[n * ld + k]; }
};

struct RowMajorB {
    static constexpr bool n_contiguous = true;
    const float* p;
    int64_t ld;
    __device__ float operator()(int64_t, int64_t k, int64_t n) const { return p[k * ld + n]; }
};

// A = M^T for a row-major M [K,M]: element (m, k) lies at k * ld + m.
struct TransposedA {
    static constexpr bool k_contiguous = false;
    const float* p;
    int64_t ld;
    __device__ float operator()(int64_t, int64_t m, int64_t k) const { return p[k * ld + m]; }
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

}  // namespace

void linear_forward(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // y[B,O] = x[B,I] * w[O,I]^T + bias
    gemm(ctx, 1, B, O, I, RowMajorA{x, I}, TransposedB{w, I}, StoreC{y, O, bias, false}, "linear_forward");
}

void linear_backward_data(anvil_context& ctx, const anvil_linear_desc& d, const float* dy, const float* w,
                          float* dx) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // dx[B,I] = dy[B,O] * w[O,I]
    gemm(ctx, 1, B, I, O, RowMajorA{dy, O}, RowMajorB{w, I}, StoreC{dx, I, nullptr, false},
         "linear_backward_data");
}

void linear_backward_weight(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    cudaStream_t stream = enter(ctx);
    // dw[O,I] (+)= dy[B,O]^T * x[B,I]
    gemm(ctx, 1, O, I, B, TransposedA{dy, O}, RowMajorB{x, I}, StoreC{dw, I, nullptr, accumulate},
         "linear_backward_weight");
    if (db == nullptr) return;
    bias_grad_kernel<<<blocks_for(O), kThreads, 0, stream>>>(B, O, dy, db, accumulate);
    ANVIL_CUDA_LAUNCHED("linear_backward_weight bias kernel, batch=%lld out_features=%lld",
                        static_cast<long long>(B), static_cast<long long>(O));
}

}  // namespace anvil::cuda
