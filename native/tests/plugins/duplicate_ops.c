/* A malformed table: two ops with one name, which anvil_plugin_op_find could not tell apart. */
#include "anvil_plugin.h"

static int32_t check(const int64_t* in_shape, int32_t in_rank, const float* params, int64_t* out_shape,
                     int32_t* out_rank, char* err, size_t err_len) {
    return 1;
}
static int32_t forward(const anvil_op_args* args, const float* x, float* y) { return 1; }
static int32_t backward(const anvil_op_args* args, const float* x, const float* y, const float* dy, float* dx) {
    return 1;
}

static const anvil_op_v1 ops[] = {
    {"twin", NULL, 0, check, forward, backward, NULL, NULL},
    {"twin", NULL, 0, check, forward, backward, NULL, NULL},
};
static const anvil_plugin_v1 plugin = {ANVIL_PLUGIN_ABI_VERSION, "duplicate_ops", 2, ops};

const anvil_plugin_v1* anvil_plugin_entry(void) { return &plugin; }
