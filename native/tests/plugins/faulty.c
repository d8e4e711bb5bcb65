/* Ops that fail in every way the host must report: with a message, without one, with a message
 * that fills the buffer without a terminator, and with an output shape outside the contract. */
#include <stdio.h>
#include <string.h>

#include "anvil_plugin.h"

static int32_t same_shape(const int64_t* in_shape, int32_t in_rank, const float* params, int64_t* out_shape,
                          int32_t* out_rank, char* err, size_t err_len) {
    memcpy(out_shape, in_shape, (size_t)in_rank * sizeof *in_shape);
    *out_rank = in_rank;
    return 0;
}

static int32_t rank_nine(const int64_t* in_shape, int32_t in_rank, const float* params, int64_t* out_shape,
                         int32_t* out_rank, char* err, size_t err_len) {
    *out_rank = ANVIL_PLUGIN_MAX_RANK + 1;
    return 0;
}

static int32_t fail_with_message(const anvil_op_args* args, const float* x, float* y) {
    snprintf(args->err, args->err_len, "out of widgets for %lld elements", (long long)args->in_numel);
    return 3;
}

static int32_t fail_silently(const anvil_op_args* args, const float* x, const float* y, const float* dy,
                             float* dx) {
    return 7;
}

static int32_t fail_unterminated(const anvil_op_args* args, const float* x, float* y) {
    memset(args->err, 'w', args->err_len);
    return 1;
}

static int32_t succeed_backward(const anvil_op_args* args, const float* x, const float* y, const float* dy,
                                float* dx) {
    return 0;
}

static const anvil_op_v1 ops[] = {
    {"fail", "forward fails with a message, backward without", 0, same_shape, fail_with_message, fail_silently,
     NULL, NULL},
    {"unterminated", NULL, 0, same_shape, fail_unterminated, succeed_backward, NULL, NULL},
    {"bad_shape", NULL, 0, rank_nine, fail_with_message, succeed_backward, NULL, NULL},
};
static const anvil_plugin_v1 plugin = {ANVIL_PLUGIN_ABI_VERSION, "faulty", 3, ops};

const anvil_plugin_v1* anvil_plugin_entry(void) { return &plugin; }
