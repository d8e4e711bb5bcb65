// Fully connected layer on the CPU: three GEMMs whose transposes are absorbed by the GEMM's
// packing, so no operand is ever transposed in memory. Shapes: x [B,I], w [O,I], y [B,O]. Also the
// per-sample squared gradient norms of differential privacy (the ghost norm).
#include <algorithm>

#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {

// Sum of squares of n floats in double, four independent accumulators (a single one waits on
// each add).
double squares(const float* v, int64_t n) {
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 += static_cast<double>(v[i]) * v[i];
        a1 += static_cast<double>(v[i + 1]) * v[i + 1];
        a2 += static_cast<double>(v[i + 2]) * v[i + 2];
        a3 += static_cast<double>(v[i + 3]) * v[i + 3];
    }
    for (; i < n; ++i) a0 += static_cast<double>(v[i]) * v[i];
    return (a0 + a1) + (a2 + a3);
}

// Output features per parallel chunk of the bias-gradient column sums.
constexpr int64_t kBiasGrain = 256;

}  // namespace

void linear_forward(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    const int64_t B = d.batch, I = d.in_features, O = d.out_features;
    float beta = 0.0f;
    if (bias != nullptr) {
        // Start every row of y at the bias and let the GEMM add x w^T on top.
        for (int64_t r = 0; r < B; ++r) {
            for (int64_t o = 0; o < O; ++o) y[r * O + o] = bias[o];
        }
        beta = 1.0f;
    }
    // y[B,O] = x[B,I] * w[O,I]^T
    gemm(ctx, false, true, B, O, I, 1.0f, x, I, w, I, beta, y, O);
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

void linear_per_sample_sq_norms(anvil_context& ctx, const anvil_linear_desc& d, const float* x, const float* dy, bool bias,
                                float* sq) {
    const int64_t in = d.in_features, out = d.out_features;
    parallel_for(ctx.pool, d.batch, std::max<int64_t>(1, (1 << 14) / (in + out)), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const double xx = squares(x + i * in, in), gg = squares(dy + i * out, out);
            sq[i] = static_cast<float>(sq[i] + gg * xx + (bias ? gg : 0.0));
        }
    });
}

}  // namespace anvil::cpu
