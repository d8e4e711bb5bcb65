/* LeakyReLU as an Anvil plug-in: y = x for x > 0, slope * x otherwise, with one hyper-parameter,
 * the negative slope (>= 0). The template for a plug-in of your own: see docs/extending.md. */
#include <math.h>
#include <stdio.h>

#include "anvil_plugin.h"

/* Element-wise: the output has the input's shape; the only thing to refuse is the slope. */
static int32_t leaky_relu_check(const int64_t* in_shape, int32_t in_rank, const float* params, int64_t* out_shape,
                                int32_t* out_rank, char* err, size_t err_len) {
    const float slope = params[0];
    if (!(slope >= 0.0f) || isinf(slope)) { /* written so that NaN is refused too */
        snprintf(err, err_len, "negative slope must be finite and >= 0, got %g", (double)slope);
        return 1;
    }
    for (int32_t i = 0; i < in_rank; ++i) out_shape[i] = in_shape[i];
    *out_rank = in_rank;
    return 0;
}

/* Plain loops over restrict pointers (the host never passes overlapping buffers) that the
 * compiler vectorises; CMakeLists.txt explains the one flag this needs. */
static int32_t leaky_relu_forward(const anvil_op_args* args, const float* restrict x, float* restrict y) {
    const float slope = args->params[0];
    const int64_t n = args->in_numel;
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    return 0;
}

/* At x == 0 the gradient takes the slope side, as PyTorch's does. */
static int32_t leaky_relu_backward(const anvil_op_args* args, const float* restrict x, const float* restrict y,
                                   const float* restrict dy, float* restrict dx) {
    const float slope = args->params[0];
    const int64_t n = args->in_numel;
    for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
    return 0;
}

static const anvil_op_v1 ops[] = {
    {
        .name = "leaky_relu",
        .description = "y = x if x > 0 else slope * x; params: negative slope >= 0",
        .num_params = 1,
        .check = leaky_relu_check,
        .forward = leaky_relu_forward,
        .backward = leaky_relu_backward,
        /* no CUDA code: forward_cuda and backward_cuda stay NULL */
    },
};

static const anvil_plugin_v1 plugin = {
    .abi_version = ANVIL_PLUGIN_ABI_VERSION,
    .name = "leaky_relu",
    .num_ops = sizeof ops / sizeof ops[0],
    .ops = ops,
};

const anvil_plugin_v1* anvil_plugin_entry(void) { return &plugin; }
