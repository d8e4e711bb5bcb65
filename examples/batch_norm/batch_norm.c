/* Batch normalisation as PyTorch's BatchNorm1d/2d/3d (affine, track_running_stats), as an Anvil
 * plug-in of ABI version 3. For an input [N, C, *] and each channel c, over the N * prod(*) elements
 * of the channel,
 *     y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c],
 * where in training mean and var are the batch's (var biased), and the running statistics are
 * updated with the unbiased variance:
 *     running_mean = (1 - momentum) * running_mean + momentum * mean,
 *     running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)   (M values),
 * and in evaluation mean and var are running_mean and running_var. Two trainable weights, weight [C]
 * (ones) and bias [C] (zeros), and two buffers, running_mean [C] (zeros) and running_var [C] (ones),
 * whose shapes come from the hyper-parameter num_features; the others are eps and momentum. The
 * forward pass keeps nothing: the backward pass recomputes the statistics from x. */
#include <math.h>
#include <stdio.h>

#include "anvil_plugin.h"

/* params[0]: num_features, a positive integer; params[1]: eps > 0; params[2]: momentum in [0, 1]. */
static int32_t check_params(const float* params, char* err, size_t err_len) {
    const float c = params[0], eps = params[1], momentum = params[2];
    if (!(c >= 1.0f && c <= 16777216.0f) || c != floorf(c)) {
        snprintf(err, err_len, "num_features must be a positive integer, got %g", (double)c);
        return 1;
    }
    if (!(eps > 0.0f) || isinf(eps)) {
        snprintf(err, err_len, "eps must be finite and > 0, got %g", (double)eps);
        return 1;
    }
    if (!(momentum >= 0.0f && momentum <= 1.0f)) {
        snprintf(err, err_len, "momentum must be in [0, 1], got %g", (double)momentum);
        return 1;
    }
    return 0;
}

/* Weights and buffers alike: one value per channel. */
static int32_t batch_norm_state_shapes(const float* params, const anvil_plugin_shape* in_shapes,
                                       anvil_plugin_shape* shapes, char* err, size_t err_len) {
    if (check_params(params, err, err_len) != 0) return 1;
    for (int i = 0; i < 2; ++i) {
        shapes[i].rank = 1;
        shapes[i].dims[0] = (int64_t)params[0];
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

/* Mean and biased variance of channel ch, in double: two passes over the channel. */
static void channel_stats(const float* x, layout l, int64_t ch, double* mean, double* var) {
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
    *var = sq / count;
}

/* The mean and (biased) variance forward and backward normalise channel ch with: the batch's in
 * training, the running ones in evaluation. */
static void stats_of(const anvil_op_args_v3* args, const float* x, const float* const* buffers, layout l, int64_t ch,
                     double* mean, double* var) {
    if (args->training) {
        channel_stats(x, l, ch, mean, var);
    } else {
        *mean = buffers[0][ch];
        *var = buffers[1][ch];
    }
}

static int32_t batch_norm_forward(const anvil_op_args_v3* args, const float* const* inputs, const float* const* weights,
                                  float* const* buffers, float* y) {
    const layout l = layout_of(&args->base.in_shapes[0]);
    const float* x = inputs[0];
    const double count = (double)(l.n * l.spatial), momentum = args->base.params[2];
    if (args->training && count < 2) {
        snprintf(args->base.err, args->base.err_len,
                 "needs more than one value per channel in training to take batch statistics, got %lld",
                 (long long)(l.n * l.spatial));
        return 1;
    }
    for (int64_t ch = 0; ch < l.c; ++ch) {
        double mean, var;
        stats_of(args, x, (const float* const*)buffers, l, ch, &mean, &var);
        const double invstd = 1.0 / sqrt(var + args->base.params[1]);
        const float scale = (float)(invstd * weights[0][ch]);
        const float shift = (float)(weights[1][ch] - mean * invstd * weights[0][ch]);
        for (int64_t i = 0; i < l.n; ++i) {
            const int64_t at = (i * l.c + ch) * l.spatial;
            for (int64_t j = 0; j < l.spatial; ++j) y[at + j] = x[at + j] * scale + shift;
        }
        if (args->training) {
            buffers[0][ch] = (float)((1.0 - momentum) * buffers[0][ch] + momentum * mean);
            buffers[1][ch] = (float)((1.0 - momentum) * buffers[1][ch] + momentum * var * count / (count - 1.0));
        }
    }
    return 0;
}

/* With xhat = (x - mean) * invstd and M values per channel, dbias = sum(dy), dweight = sum(dy * xhat);
 * in training (batch statistics depend on x)
 *     dx = weight * invstd * (dy - dbias / M - xhat * dweight / M),
 * in evaluation (running statistics are constants) dx = weight * invstd * dy. */
static int32_t batch_norm_backward(const anvil_op_args_v3* args, const float* const* inputs,
                                   const float* const* weights, const float* const* buffers, const float* y,
                                   const float* dy, float* const* input_grads, float* const* weight_grads) {
    const layout l = layout_of(&args->base.in_shapes[0]);
    const float* x = inputs[0];
    float* dx = input_grads[0];
    const double count = (double)(l.n * l.spatial), centred = args->training ? 1.0 : 0.0;
    for (int64_t ch = 0; ch < l.c; ++ch) {
        double mean, var, sum_dy = 0.0, sum_dy_xhat = 0.0;
        stats_of(args, x, buffers, l, ch, &mean, &var);
        const double invstd = 1.0 / sqrt(var + args->base.params[1]);
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
                dx[at + j] = (float)(k * (dy[at + j] - centred * (sum_dy / count + xhat * sum_dy_xhat / count)));
            }
        }
    }
    return 0;
}

static const anvil_weight_def weights[] = {
    {.name = "weight", .init = ANVIL_PLUGIN_INIT_CONSTANT, .init_arg = 1.0f},
    {.name = "bias", .init = ANVIL_PLUGIN_INIT_CONSTANT, .init_arg = 0.0f},
};

static const anvil_buffer_def buffers[] = {
    {.name = "running_mean", .init = 0.0f},
    {.name = "running_var", .init = 1.0f},
};

static const anvil_op_v3 ops[] = {{
    .name = "batch_norm",
    .description = "batch normalisation with running statistics (PyTorch's BatchNorm); params: num_features, eps, momentum",
    .num_inputs = 1,
    .num_params = 3,
    .num_weights = 2,
    .weights = weights,
    .weight_shapes = batch_norm_state_shapes,
    .num_buffers = 2,
    .buffers = buffers,
    .buffer_shapes = batch_norm_state_shapes,
    .check = batch_norm_check,
    .forward = batch_norm_forward,
    .backward = batch_norm_backward,
}};

static const anvil_plugin_v3 plugin = {
    .abi_version = ANVIL_PLUGIN_ABI_VERSION_3, .name = "batch_norm", .num_ops = 1, .ops = ops,
};

const anvil_plugin_v3* anvil_plugin_entry_v3(void) { return &plugin; }
