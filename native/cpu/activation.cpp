// ReLU and inverted dropout: contiguous element-wise loops split across the pool.
#include <cstring>

#include "cpu/kernels.h"

namespace anvil::cpu {

namespace {
// Below this many elements a loop is not worth waking the other threads for.
constexpr int64_t kGrain = 1 << 15;

// The splitmix64 output function: a bijective 64-bit mixer with full avalanche.
inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

// Counter-based keep decision: element i is kept when the top 32 bits of the i-th value of the
// splitmix64 sequence keyed by the seed reach `threshold`. Being a pure function of (seed, i)
// the mask does not depend on how the range is split between threads, and backward recomputes
// it instead of storing it.
struct DropoutMask {
    DropoutMask(float p, uint64_t seed)
        : key(mix64(seed)),
          // p < 1, so p * 2^32 < 2^32: P(keep) = 1 - threshold / 2^32, within 2^-32 of 1 - p.
          threshold(static_cast<uint64_t>(static_cast<double>(p) * 4294967296.0)) {}
    bool keep(int64_t i) const {
        uint64_t h = mix64(key + static_cast<uint64_t>(i) * UINT64_C(0x9E3779B97F4A7C15));
        return (h >> 32) >= threshold;
    }
    uint64_t key;
    uint64_t threshold;
};

// y = x * mask / (1 - p); shared by forward (x) and backward (dy), as the derivative of the
// inverted dropout is the same scaled mask.
void apply_dropout(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    if (p == 0.0f) {
        if (x != y) copy(ctx, n, x, y);
        return;
    }
    const DropoutMask mask(p, seed);
    const float scale = 1.0f / (1.0f - p);
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const float kept = x[i] * scale;
            y[i] = mask.keep(i) ? kept : 0.0f;
        }
    });
}
}  // namespace

void relu_forward(anvil_context& ctx, int64_t n, const float* x, float* y) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        // Written as "x < 0 ? 0 : x" so that a NaN input propagates (as in PyTorch) and the
        // loop compiles to a single maxps per vector.
        for (int64_t i = b; i < e; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
    });
}

void relu_backward(anvil_context& ctx, int64_t n, const float* y, const float* dy, float* dx) {
    parallel_for(ctx.pool, n, kGrain, [&](int64_t b, int64_t e) {
        // Both operands are loaded unconditionally so that the select vectorises.
        for (int64_t i = b; i < e; ++i) {
            const float g = dy[i];
            dx[i] = y[i] > 0.0f ? g : 0.0f;
        }
    });
}

void dropout_forward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* x, float* y) {
    apply_dropout(ctx, n, p, seed, x, y);
}

void dropout_backward(anvil_context& ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx) {
    apply_dropout(ctx, n, p, seed, dy, dx);
}

}  // namespace anvil::cpu
