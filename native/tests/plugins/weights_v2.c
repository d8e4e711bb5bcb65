/* Version-2 ops whose weight shapes the host must check: one whose weight's shape comes from the
 * input shape (y = x * scale, scale [last dimension of x]), and one that declares an empty weight. */
#include <stdio.h>

#include "anvil_plugin.h"

static int32_t same_shape(const anvil_plugin_shape* in_shapes, const float* params, anvil_plugin_shape* out_shape,
                          char* err, size_t err_len) {
    *out_shape = in_shapes[0];
    return 0;
}

static int32_t last_dim(const float* params, const anvil_plugin_shape* in_shapes, anvil_plugin_shape* weight_shapes,
                        char* err, size_t err_len) {
    if (in_shapes == NULL) {
        snprintf(err, err_len, "the scale's size is the input's last dimension: give the input shape");
        return 1;
    }
    weight_shapes[0].rank = 1;
    weight_shapes[0].dims[0] = in_shapes[0].dims[in_shapes[0].rank - 1];
    return 0;
}

static int32_t empty(const float* params, const anvil_plugin_shape* in_shapes, anvil_plugin_shape* weight_shapes,
                     char* err, size_t err_len) {
    weight_shapes[0].rank = 2;
    weight_shapes[0].dims[0] = 3;
    weight_shapes[0].dims[1] = 0;
    return 0;
}

static int32_t scale_forward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                             float* y) {
    const int64_t d = args->weight_numel[0];
    for (int64_t i = 0; i < args->out_numel; ++i) y[i] = inputs[0][i] * weights[0][i % d];
    return 0;
}

static int32_t scale_backward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                              const float* y, const float* dy, float* const* input_grads, float* const* weight_grads) {
    const int64_t d = args->weight_numel[0];
    for (int64_t i = 0; i < args->out_numel; ++i) {
        input_grads[0][i] = dy[i] * weights[0][i % d];
        weight_grads[0][i % d] += dy[i] * inputs[0][i];
    }
    return 0;
}

static const anvil_weight_def scale[] = {{"scale", ANVIL_PLUGIN_INIT_UNIFORM, 0.5f}};

static const anvil_op_v2 ops[] = {
    {"row_scale", "y = x * scale, scale [last dimension of x]", 1, 0, 1, scale, last_dim, same_shape, scale_forward,
     scale_backward, NULL, NULL},
    {"empty_weight", NULL, 1, 0, 1, scale, empty, same_shape, scale_forward, scale_backward, NULL, NULL},
};
static const anvil_plugin_v2 plugin = {ANVIL_PLUGIN_ABI_VERSION_2, "weights_v2", 2, ops};

const anvil_plugin_v2* anvil_plugin_entry_v2(void) { return &plugin; }
