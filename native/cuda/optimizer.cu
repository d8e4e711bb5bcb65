// SGD and Adam, one kernel each: SGD with the formulas of native/cpu/optimizer.cpp, Adam with the
// very code of the CPU kernel (native/core/adam_math.h; step scalars computed on the host).

#include "adam_math.h"
#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

namespace {
__global__ void sgd_kernel(int64_t n, float lr, float wd, float momentum, float blend, bool nesterov,
                           bool first_step, float* param, const float* grad, float* velocity) {
    ANVIL_GRID_STRIDE(i, n) {
        const float g = grad[i] + wd * param[i];
        float update = g;
        if (velocity != nullptr) {
            const float v = first_step ? g : momentum * velocity[i] + blend * g;
            velocity[i] = v;
            update = nesterov ? g + momentum * v : v;
        }
        param[i] -= lr * update;
    }
}

__global__ void adam_kernel(int64_t n, AdamScalars s, float* param, const float* grad, float* m, float* v) {
    ANVIL_GRID_STRIDE(i, n) { adam_update(s, param[i], grad[i], m[i], v[i]); }
}
}  // namespace

void sgd_step(anvil_context& ctx, const anvil_sgd_desc& d, int64_t step, int64_t n, float* param, const float* grad,
              float* velocity) {
    // Without momentum the velocity is not used (it may be null).
    float* v = d.momentum == 0.0f ? nullptr : velocity;
    sgd_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, d.lr, d.weight_decay, d.momentum,
                                                           1.0f - d.dampening, d.nesterov != 0, step == 1, param,
                                                           grad, v);
    ANVIL_CUDA_LAUNCHED("sgd_step kernel, n=%lld", static_cast<long long>(n));
}

void adam_step(anvil_context& ctx, const anvil_adam_desc& d, int64_t step, int64_t n, float* param,
               const float* grad, float* m, float* v) {
    adam_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(n, adam_scalars(d, step), param, grad, m, v);
    ANVIL_CUDA_LAUNCHED("adam_step kernel, n=%lld", static_cast<long long>(n));
}

}  // namespace anvil::cuda
