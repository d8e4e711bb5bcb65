// Fully connected layer on the CPU: three GEMMs whose transposes are absorbed by the GEMM's
// packing, so no operand is ever transposed in memory. Shapes: x [B,I], w [O,I], y [B,O].
#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {

// Output features per parallel chunk of the bias-gradient column sums.
constexpr int64_t kBiasGrain = 256;

}  // namespace

void linear_forward(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // y[B,O] = x[B,I] * w[O,I]^T (+ bias in every row)
    if (bias != nullptr) {
        gemm_bias(ctx, false, true, B, O, I, x, I, w, I, bias, y, O);
    } else {
        gemm(ctx, false, true, B, O, I, 1.0f, x, I, w, I, 0.0f, y, O);
    }
}

void linear_backward_data(anvil_context& ctx, const anvil_linear_desc& d, const float* dy, const float* w,
                          float* dx) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // dx[B,I] = dy[B,O] * w[O,I]
    gemm(ctx, false, false, B, I, O, 1.0f, dy, O, w, I, 0.0f, dx, I);
}

void linear_backward_weight(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    // dw[O,I] = dy[B,O]^T * x[B,I]
    gemm(ctx, true, false, O, I, B, 1.0f, dy, O, x, I, accumulate ? 1.0f : 0.0f, dw, I);
    if (db == nullptr) return;
    // Column sums of dy, walked row by row for contiguous reads. Each output feature is summed
    // by one thread in batch order, so the result does not depend on the thread count.
    parallel_for(ctx.pool, O, kBiasGrain, [&](int64_t begin, int64_t end) {
        if (!accumulate) {
            for (int64_t o = begin; o < end; ++o) db[o] = 0.0f;
        }
        for (int64_t r = 0; r < B; ++r) {
            const float* row = dy + r * O;
            for (int64_t o = begin; o < end; ++o) db[o] += row[o];
        }
    });
}

void matmul(anvil_context& ctx, int64_t m, int64_t k, int64_t n, const float* a, const float* b, float* c) {
    gemm(ctx, false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

}  // namespace anvil::cpu
