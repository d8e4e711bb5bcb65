// ReLU, inverted dropout and the other activations: contiguous element-wise loops split across the pool.
#include <algorithm>
#include <cstring>

#include "activation_math.h"
#include "cpu/kernels.h"
#include "cpu_features.h"
#include "dropout_mask.h"

namespace anvil::cpu {

namespace {
// Below this many elements a loop is not worth waking the other threads for.
constexpr int64_t kGrain = 1 << 15;

// y[i] = x[i] * scale where kept, else 0, for i in [b, e) with the same high 32 bits; written
// without branches so that it vectorises.
inline void dropout_span(const DropoutMask& mask, float scale, int64_t b, int64_t e, const float* x, float* y) {
    const uint32_t key2 = mask.second_key(static_cast<uint64_t>(b) >> 32);
    const uint32_t low0 = static_cast<uint32_t>(b);
    const int64_t n = e - b;
    x += b;
    y += b;
    for (int64_t i = 0; i < n; ++i) {
        const float kept = x[i] * scale;
        y[i] = mask.keep(low0 + static_cast<uint32_t>(i), key2) ? kept : 0.0f;
    }
}

// The same loop compiled for AVX-512 (baseline x86-64 has no 32-bit vector multiply).
__attribute__((target("avx512f"))) void dropout_span_avx512(const DropoutMask& mask, float scale, int64_t b,
                                                             int64_t e, const float* x, float* y) {
    dropout_span(mask, scale, b, e, x, y);
}

// y = x * mask / (1 - p); shared by forward (x) and backward (dy), as the derivative of the
// inverted dropout is the same scaled mask.
void apply_dropout(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    if (p == 0.0f) {
        if (x != y) copy(ctx, n, x, y);
        return;
    }
    const DropoutMask mask(p, seed);
    const float scale = 1.0f / (1.0f - p);
    const bool avx512 = cpu_features().avx512f;
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        // Spans that keep the high 32 bits of the index, so the inner loop counts in 32 bits.
        constexpr int64_t kSpan = int64_t{1} << 32;
        for (int64_t s = b; s < e; s = (s / kSpan + 1) * kSpan) {
            const int64_t end = std::min(e, (s / kSpan + 1) * kSpan);
            if (avx512) {
                dropout_span_avx512(mask, scale, s, end, x, y);
            } else {
                dropout_span(mask, scale, s, end, x, y);
            }
        }
    });
}
// ReLU over [b, e), written as "x < 0 ? 0 : x" so that a NaN input propagates (as in PyTorch)
// and the loop compiles to a single max per vector; and its backward pass, with both operands
// loaded unconditionally so that the select vectorises. Each is compiled for baseline x86-64 and
// for AVX-512.
inline void relu_span(int64_t b, int64_t e, const float* x, float* y) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

inline void relu_backward_span(int64_t b, int64_t e, const float* y, const float* dy, float* dx) {
    for (int64_t i = b; i < e; ++i) {
        const float g = dy[i];
        dx[i] = y[i] > 0.0f ? g : 0.0f;
    }
}

__attribute__((target("avx512f"))) void relu_span_avx512(int64_t b, int64_t e, const float* x, float* y) {
    relu_span(b, e, x, y);
}

__attribute__((target("avx512f"))) void relu_backward_span_avx512(int64_t b, int64_t e, const float* y,
                                                                   const float* dy, float* dx) {
    relu_backward_span(b, e, y, dy, dx);
}
}  // namespace

void relu_forward(anvil_context& ctx, int64_t n, const float* x, float* y) {
    const auto span = cpu_features().avx512f ? relu_span_avx512 : relu_span;
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) { span(b, e, x, y); });
}

void relu_backward(anvil_context& ctx, int64_t n, const float* y, const float* dy, float* dx) {
    const auto span = cpu_features().avx512f ? relu_backward_span_avx512 : relu_backward_span;
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) { span(b, e, y, dy, dx); });
}

void dropout_forward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    apply_dropout(ctx, n, p, seed, x, y);
}

void dropout_backward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx) {
    apply_dropout(ctx, n, p, seed, dy, dx);
}

void activation_forward(anvil_context& ctx, int32_t kind, float alpha, int64_t n, const float* x, float* y) {
    parallel_for(ctx.pool, n, kGrain / 8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = activation(kind, alpha, x[i]);
    });
}

void activation_backward(anvil_context& ctx, int32_t kind, float alpha, int64_t n, const float* x, const float* y,
                         const float* dy, float* dx) {
    parallel_for(ctx.pool, n, kGrain / 8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = activation_derivative(kind, alpha, x[i], y[i]) * dy[i];
    });
}

}  // namespace anvil::cpu
