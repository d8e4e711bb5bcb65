// SGD and Adam/AdamW parameter updates, each a single pass over the parameters that follows
// PyTorch's torch.optim formulas operation by operation (see anvil.h).

#include "adam_math.h"
#include "cpu/kernels.h"
#include "cpu_features.h"

namespace anvil::cpu {

namespace {
// Below this many parameters an update is not worth waking the other threads for.
constexpr int64_t kGrain = 1 << 14;

// Plain SGD (momentum == 0): no velocity buffer is read or written. Scalars are captured by
// value so that the compiler sees them as loop-invariant (no aliasing with the arrays) and
// vectorises the loop.
void sgd_plain(anvil_context& ctx, int64_t n, float lr, float wd, float* param, const float* grad) {
    parallel_for(ctx.pool, n, kGrain, [=](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            float g = grad[i] + wd * param[i];
            param[i] -= lr * g;
        }
    });
}

// One range of the heavy-ball or Nesterov update, with the two switches as template parameters
// so that the loop body has no branch and vectorises.
template <bool kNesterov, bool kFirstStep>
void sgd_momentum_range(int64_t b, int64_t e, float lr, float wd, float momentum, float blend, float* param,
                        const float* grad, float* velocity) {
    for (int64_t i = b; i < e; ++i) {
        float g = grad[i] + wd * param[i];
        float v = kFirstStep ? g : momentum * velocity[i] + blend * g;
        velocity[i] = v;
        float update = kNesterov ? g + momentum * v : v;
        param[i] -= lr * update;
    }
}

// Heavy-ball or Nesterov momentum. On step 1 PyTorch initialises the buffer with the gradient
// itself, undampened; the buffer is not read then, as it may hold anything (even NaN).
void sgd_momentum(anvil_context& ctx, int64_t n, const anvil_sgd_desc& d, bool first_step, float* param,
                  const float* grad, float* velocity) {
    const float lr = d.lr, wd = d.weight_decay, momentum = d.momentum, blend = 1.0f - d.dampening;
    auto range = d.nesterov ? (first_step ? sgd_momentum_range<true, true> : sgd_momentum_range<true, false>)
                            : (first_step ? sgd_momentum_range<false, true> : sgd_momentum_range<false, false>);
    parallel_for(ctx.pool, n, kGrain, [=](int64_t b, int64_t e) {
        range(b, e, lr, wd, momentum, blend, param, grad, velocity);
    });
}
// Adam over [b, e). Compiled twice: for baseline x86-64 (4 floats per vector) and, below, for
// AVX-512 (16 per vector, which matters most for the square root and the two divisions).
inline void adam_range(const AdamScalars& s, int64_t b, int64_t e, float* param, const float* grad, float* m,
                       float* v) {
    for (int64_t i = b; i < e; ++i) adam_update(s, param[i], grad[i], m[i], v[i]);
}

__attribute__((target("avx512f"))) void adam_range_avx512(const AdamScalars& s, int64_t b, int64_t e, float* param,
                                                           const float* grad, float* m, float* v) {
    adam_range(s, b, e, param, grad, m, v);
}
}  // namespace

void sgd_step(anvil_context& ctx, const anvil_sgd_desc& d, int64_t step, int64_t n, float* param, const float* grad,
              float* velocity) {
    if (d.momentum == 0.0f) {
        sgd_plain(ctx, n, d.lr, d.weight_decay, param, grad);
    } else {
        sgd_momentum(ctx, n, d, step == 1, param, grad, velocity);
    }
}

void adam_step(anvil_context& ctx, const anvil_adam_desc& d, int64_t step, int64_t n, float* param,
               const float* grad, float* m, float* v) {
    const AdamScalars s = adam_scalars(d, step);
    const auto range = cpu_features().avx512f ? adam_range_avx512 : adam_range;
    // Captured by value: the scalars are then plainly loop-invariant and the loop vectorises.
    parallel_for(ctx.pool, n, kGrain, [=](int64_t b, int64_t e) { range(s, b, e, param, grad, m, v); });
}

}  // namespace anvil::cpu
