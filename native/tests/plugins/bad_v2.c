/* Version-2 tables the host must refuse at load time, one per library: BAD_CASE selects what is
 * wrong (native/tests/CMakeLists.txt builds each). */
#include "anvil_plugin.h"

static int32_t check(const anvil_plugin_shape* in_shapes, const float* params, anvil_plugin_shape* out_shape, char* err,
                     size_t err_len) {
    *out_shape = in_shapes[0];
    return 0;
}
static int32_t weight_shapes(const float* params, const anvil_plugin_shape* in_shapes, anvil_plugin_shape* weight_shapes,
                             char* err, size_t err_len) {
    weight_shapes[0].rank = 1;
    weight_shapes[0].dims[0] = 1;
    weight_shapes[1] = weight_shapes[0];
    return 0;
}
static int32_t forward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights, float* y) {
    return 1;
}
static int32_t backward(const anvil_op_args_v2* args, const float* const* inputs, const float* const* weights,
                        const float* y, const float* dy, float* const* input_grads, float* const* weight_grads) {
    return 1;
}

#if BAD_CASE == 1 /* no inputs */
#define INPUTS 0
#else
#define INPUTS 1
#endif
#if BAD_CASE == 2 /* a weight name that is no identifier */
#define FIRST "1st"
#else
#define FIRST "scale"
#endif
#if BAD_CASE == 3 /* two weights of one name */
#define SECOND "scale"
#else
#define SECOND "shift"
#endif
#if BAD_CASE == 4 /* an initialiser that does not exist */
#define INIT 7
#else
#define INIT ANVIL_PLUGIN_INIT_CONSTANT
#endif
#if BAD_CASE == 5 /* a version-1 table number from the version-2 entry point */
#define VERSION ANVIL_PLUGIN_ABI_VERSION
#else
#define VERSION ANVIL_PLUGIN_ABI_VERSION_2
#endif

static const anvil_weight_def weights[] = {{FIRST, INIT, 1.0f}, {SECOND, ANVIL_PLUGIN_INIT_CONSTANT, 0.0f}};
static const anvil_op_v2 ops[] = {{"bad", NULL, INPUTS, 0, 2, weights, weight_shapes, check, forward, backward, NULL, NULL}};
static const anvil_plugin_v2 plugin = {VERSION, "bad_v2", 1, ops};

const anvil_plugin_v2* anvil_plugin_entry_v2(void) { return &plugin; }
