/* Version-3 tables the host must refuse at load time, one per library: BAD_CASE selects what is
 * wrong (native/tests/CMakeLists.txt builds each). */
#include <math.h>

#include "anvil_plugin.h"

static int32_t check(const anvil_plugin_shape* in_shapes, const float* params, anvil_plugin_shape* out_shape, char* err,
                     size_t err_len) {
    *out_shape = in_shapes[0];
    return 0;
}
static int32_t one_value(const float* params, const anvil_plugin_shape* in_shapes, anvil_plugin_shape* shapes, char* err,
                         size_t err_len) {
    shapes[0].rank = 1;
    shapes[0].dims[0] = 1;
    return 0;
}
static int32_t forward(const anvil_op_args_v3* args, const float* const* inputs, const float* const* weights,
                       float* const* buffers, float* y) {
    return 1;
}
static int32_t backward(const anvil_op_args_v3* args, const float* const* inputs, const float* const* weights,
                        const float* const* buffers, const float* y, const float* dy, float* const* input_grads,
                        float* const* weight_grads) {
    return 1;
}

#if BAD_CASE == 1 /* a buffer name that is no identifier */
#define BUFFER "running mean"
#elif BAD_CASE == 2 /* a buffer named like a weight: one state-dict key for two tensors */
#define BUFFER "scale"
#else
#define BUFFER "running_mean"
#endif
#if BAD_CASE == 3 /* buffers declared without their shapes */
#define BUFFER_SHAPES NULL
#else
#define BUFFER_SHAPES one_value
#endif
#if BAD_CASE == 4 /* a start value that is not finite */
#define INIT NAN
#else
#define INIT 0.0f
#endif
#if BAD_CASE == 6 /* more buffers than an op may have */
#define NUM_BUFFERS 9
#else
#define NUM_BUFFERS 1
#endif

static const anvil_weight_def weights[] = {{"scale", ANVIL_PLUGIN_INIT_CONSTANT, 1.0f}};
static const anvil_buffer_def buffers[] = {{BUFFER, INIT}};
static const anvil_op_v3 ops[] = {{"bad", NULL, 1, 0, 1, weights, one_value, NUM_BUFFERS, buffers, BUFFER_SHAPES, check,
                                   forward, backward, NULL, NULL}};
static const anvil_plugin_v3 plugin = {ANVIL_PLUGIN_ABI_VERSION_3, "bad_v3", 1, ops};

const anvil_plugin_v3* anvil_plugin_entry_v3(void) { return &plugin; }

#if BAD_CASE == 5 /* the entry points of two versions */
const anvil_plugin_v2* anvil_plugin_entry_v2(void) { return NULL; }
#endif
