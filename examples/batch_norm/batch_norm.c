/* Batch normalisation that always uses the batch's statistics, as an Anvil plug-in of ABI version
 * 2: PyTorch's BatchNorm with track_running_stats=False. For an input [N, C, *] and each channel c,
 * over the N * prod(*) elements of the channel,
 *     y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]   (var: the biased variance),
 * with two trainable weights, weight [C] (initialised to ones) and bias [C] (zeros), whose shape
 * comes from the hyper-parameter num_features; the second hyper-parameter is eps. The forward pass
 * keeps nothing: the backward pass recomputes the statistics from x. */
#include <math.h>
#include <stdio.h>

#include "anvil_plugin.h"

/* params[0]: num_features, a positive integer; params[1]: eps > 0. */
static int32_t check_params(const float* params, char* err, size_t err_len) {
    const float c = params[0], eps = params[1];
    if (!(c >= 1.0f && c <= 16777216.0f) || c != floorf(c)) {
        snprintf(err, err_len, "num_features must be a positive integer, got %g", (double)c);
        return 1;
    }
    if (!(eps > 0.0f) || isinf(eps)) {
        snprintf(err, err_len, "eps must be finite and > 0, got %g", (double)eps);
        return 1;
    }
    return 0;
}

static int32_t batch_norm_weight_shapes(const float* params, const anvil_plugin_shape* in_shapes,
                                        anvil_plugin_shape* weight_shapes, char* err, size_t err_len) {
    if (check_params(params, err, err_len) != 0) return 1;
    for (int i = 0; i < 2; ++i) {
        weight_shapes[i].rank = 1;
        weight_shapes[i].dims[0] = (int64_t)params[0];
    }
    return 0;
}

static int32_t batch_norm_check(const anvil_plugin_shape* in, const float* params, anvil_plugin_shape* out, char* err,
                                size_t err_len) {
    if (check_params(params, err, err_len) != 0) return 1;
    if (in[0].rank < 2) {
        snprintf(err, err_len, "expected an input [N, C, ...] of at least 2 dimensions, got rank %d", in[0].rank);
        return 1;
    }
    if (in[0].dims[1] != (int64_t)params[0]) {
        snprintf(err, err_len, "expected %lld channels (num_features), got %lld in dimension 1", (long long)params[0],
                 (long long)in[0].dims[1]);
        return 1;
    }
    int64_t per_channel = in[0].dims[0];
    for (int32_t i = 2; i < in[0].rank; ++i) per_channel *= in[0].dims[i];
    if (per_channel < 2) {
        snprintf(err, err_len, "needs more than one value per channel to take batch statistics, got %lld",
                 (long long)per_channel);
        return 1;
    }
    *out = in[0];
    return 0;
}

typedef struct layout {
    int64_t n, c, spatial;
} layout;

static layout layout_of(const anvil_plugin_shape* s) {
    layout l = {s->dims[0], s->dims[1], 1};
    for (int32_t i = 2; i < s->rank; ++i) l.spatial *= s->dims[i];
    return l;
}

/* Mean and 1 / sqrt(var + eps) of channel ch, in double: two passes over the channel. */
static void channel_stats(const float* x, layout l, int64_t ch, float eps, double* mean, double* invstd) {
    double sum = 0.0;
    for (int64_t i = 0; i < l.n; ++i) {
        const float* row = x + (i * l.c + ch) * l.spatial;
        for (int64_t j = 0; j < l.spatial; ++j) sum += row[j];
    }
    const double count = (double)(l.n * l.spatial);
    *mean = sum / count;
    double sq = 0.0;
    for (int64_t i = 0; i < l.n; ++i) {
        const float* row = x + (i * l.c + ch) * l.spatial;
        for (int64_t j = 0; j < l.spatial; ++j) sq += (row[j] - *mean) * (row[j] - *mean);
    }
    *invstd = 1.0 / sqrt(sq / count + eps);
}

static int32_t batch_norm_forward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                                  float* y) {
    const layout l = layout_of(&args->in_shapes[0]);
    const float* x = inputs[0];
    for (int64_t ch = 0; ch < l.c; ++ch) {
        double mean, invstd;
        channel_stats(x, l, ch, args->params[1], &mean, &invstd);
        const float scale = (float)(invstd * weights[0][ch]);
        const float shift = (float)(weights[1][ch] - mean * invstd * weights[0][ch]);
        for (int64_t i = 0; i < l.n; ++i) {
            const int64_t at = (i * l.c + ch) * l.spatial;
            for (int64_t j = 0; j < l.spatial; ++j) y[at + j] = x[at + j] * scale + shift;
        }
    }
    return 0;
}

/* With xhat = (x - mean) * invstd and M values per channel:
 *     dbias = sum(dy), dweight = sum(dy * xhat),
 *     dx = weight * invstd * (dy - dbias / M - xhat * dweight / M). */
static int32_t batch_norm_backward(const anvil_op_args_v2* args, const float* const* inputs,
                                   const float* const* weights, const float* y, const float* dy,
                                   float* const* input_grads, float* const* weight_grads) {
    const layout l = layout_of(&args->in_shapes[0]);
    const float* x = inputs[0];
    float* dx = input_grads[0];
    const double count = (double)(l.n * l.spatial);
    for (int64_t ch = 0; ch < l.c; ++ch) {
        double mean, invstd, sum_dy = 0.0, sum_dy_xhat = 0.0;
        channel_stats(x, l, ch, args->params[1], &mean, &invstd);
        for (int64_t i = 0; i < l.n; ++i) {
            const int64_t at = (i * l.c + ch) * l.spatial;
            for (int64_t j = 0; j < l.spatial; ++j) {
                sum_dy += dy[at + j];
                sum_dy_xhat += dy[at + j] * (x[at + j] - mean) * invstd;
            }
        }
        weight_grads[0][ch] += (float)sum_dy_xhat;
        weight_grads[1][ch] += (float)sum_dy;
        const double k = weights[0][ch] * invstd;
        for (int64_t i = 0; i < l.n; ++i) {
            const int64_t at = (i * l.c + ch) * l.spatial;
            for (int64_t j = 0; j < l.spatial; ++j) {
                const double xhat = (x[at + j] - mean) * invstd;
                dx[at + j] = (float)(k * (dy[at + j] - sum_dy / count - xhat * sum_dy_xhat / count));
            }
        }
    }
    return 0;
}

static const anvil_weight_def weights[] = {
    {.name = "weight", .init = ANVIL_PLUGIN_INIT_CONSTANT, .init_arg = 1.0f},
    {.name = "bias", .init = ANVIL_PLUGIN_INIT_CONSTANT, .init_arg = 0.0f},
};

static const anvil_op_v2 ops[] = {{
    .name = "batch_norm",
    .description = "batch normalisation on batch statistics (track_running_stats=False); params: num_features, eps",
    .num_inputs = 1,
    .num_params = 2,
    .num_weights = 2,
    .weights = weights,
    .weight_shapes = batch_norm_weight_shapes,
    .check = batch_norm_check,
    .forward = batch_norm_forward,
    .backward = batch_norm_backward,
}};

static const anvil_plugin_v2 plugin = {
    .abi_version = ANVIL_PLUGIN_ABI_VERSION_2, .name = "batch_norm", .num_ops = 1, .ops = ops,
};

const anvil_plugin_v2* anvil_plugin_entry_v2(void) { return &plugin; }
