/* A fused residual addition and ReLU as an Anvil plug-in of ABI version 2: y = max(a + b, 0) for
 * two inputs of the same shape, in one pass over memory instead of two. It can take the place of a
 * Residual block's addition and final ReLU (docs/extending.md, "Ops with several inputs and
 * weights"). */
#include <stdio.h>
#include <string.h>

#include "anvil_plugin.h"

static void shape_text(const anvil_plugin_shape* s, char* out, size_t len) {
    size_t at = (size_t)snprintf(out, len, "[");
    for (int32_t i = 0; i < s->rank && at < len; ++i) {
        at += (size_t)snprintf(out + at, len - at, i == 0 ? "%lld" : ", %lld", (long long)s->dims[i]);
    }
    if (at < len) snprintf(out + at, len - at, "]");
}

/* Both inputs must have the same shape, which is the output's. */
static int32_t add_relu_check(const anvil_plugin_shape* in, const float* params, anvil_plugin_shape* out, char* err,
                              size_t err_len) {
    if (in[0].rank != in[1].rank || memcmp(in[0].dims, in[1].dims, (size_t)in[0].rank * sizeof in[0].dims[0]) != 0) {
        char a[160], b[160];
        shape_text(&in[0], a, sizeof a);
        shape_text(&in[1], b, sizeof b);
        snprintf(err, err_len, "the inputs must have the same shape, got %s and %s", a, b);
        return 1;
    }
    *out = in[0];
    return 0;
}

static int32_t add_relu_forward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                                float* restrict y) {
    const float* restrict a = inputs[0];
    const float* restrict b = inputs[1];
    for (int64_t i = 0; i < args->out_numel; ++i) {
        const float s = a[i] + b[i];
        y[i] = s > 0.0f ? s : 0.0f;
    }
    return 0;
}

/* y > 0 exactly where a + b > 0: the gradient of both inputs is dy there and 0 elsewhere. */
static int32_t add_relu_backward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                                 const float* restrict y, const float* restrict dy, float* const* input_grads,
                                 float* const* weight_grads) {
    float* restrict da = input_grads[0];
    float* restrict db = input_grads[1];
    for (int64_t i = 0; i < args->out_numel; ++i) {
        const float g = y[i] > 0.0f ? dy[i] : 0.0f;
        da[i] = g;
        db[i] = g;
    }
    return 0;
}

static const anvil_op_v2 ops[] = {{
    .name = "add_relu",
    .description = "y = max(a + b, 0) for inputs a and b of the same shape",
    .num_inputs = 2,
    .check = add_relu_check,
    .forward = add_relu_forward,
    .backward = add_relu_backward,
}};

static const anvil_plugin_v2 plugin = {
    .abi_version = ANVIL_PLUGIN_ABI_VERSION_2, .name = "add_relu", .num_ops = 1, .ops = ops,
};

const anvil_plugin_v2* anvil_plugin_entry_v2(void) { return &plugin; }
