/*
 * anvil_plugin.h - what a plug-in implements to add native ops to Anvil without forking it.
 *
 * A plug-in is a shared library exporting one symbol, anvil_plugin_entry, which returns a static
 * table: the plug-in's name and its ops. Anvil loads it at run time (anvil_plugin_load in
 * anvil.h), validates every call before it reaches the plug-in, and turns a failure reported by
 * the plug-in into a status code and message of its own.
 *
 * Three versions of the table exist, and Anvil loads each:
 *  - version 1 (anvil_plugin_entry, anvil_op_v1): an op is a function y = f(x) of one float32
 *    tensor with a fixed number of float hyper-parameters (a LeakyReLU slope, a clipping bound),
 *    and no weights;
 *  - version 2 (anvil_plugin_entry_v2, anvil_op_v2): an op takes 1 to ANVIL_PLUGIN_MAX_INPUTS
 *    inputs and owns up to ANVIL_PLUGIN_MAX_WEIGHTS trainable tensors ("weights": a fused
 *    add + ReLU, a BatchNorm variant with its scale and shift). It declares each weight's name and
 *    initialiser, and gives their shapes from the hyper-parameters or the input shapes; forward
 *    reads every input and weight, backward gives the gradient of every input and adds to every
 *    weight's gradient.
 *  - version 3 (anvil_plugin_entry_v3, anvil_op_v3): a version-2 op that also owns up to
 *    ANVIL_PLUGIN_MAX_BUFFERS tensors of state that is not trained ("buffers": a BatchNorm's running
 *    mean and variance), which forward may update, and is told whether the model is training or
 *    evaluating (a BatchNorm uses batch statistics in training and its running ones in evaluation).
 * A plug-in exports the entry point of one version. Tensors are dense, row-major, contiguous
 * float32 buffers of rank 1 to ANVIL_PLUGIN_MAX_RANK with positive dimensions.
 *
 * Rules for the implementation:
 *  - Every function returns 0 on success, or non-zero after writing a NUL-terminated message of at
 *    most err_len bytes to err (Anvil prefixes it with the plug-in and op names).
 *  - Functions must be reentrant: Anvil may call the same op from several threads at once, on
 *    different buffers. Keep no mutable global state.
 *  - No C++ exception may leave a function (Anvil catches what it can, but a C frame in between
 *    cannot be unwound through).
 *  - Memory a function writes never overlaps anything else it is given: y, dy, dx (and in version
 *    2 every input gradient and weight gradient, in version 3 also the buffers forward updates) are
 *    distinct from each other and from x (the inputs and weights). Read-only inputs may be the same
 *    memory (add_relu(a, a)).
 *  - forward and backward run only on shapes and parameters that check() accepted (from version 2
 *    on, with weights, and buffers, of the shapes weight_shapes() and buffer_shapes() give for them).
 *
 * Plain C99, so that a plug-in can be written in C, C++ or anything that exports a C symbol.
 */
#ifndef ANVIL_PLUGIN_H
#define ANVIL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define ANVIL_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ANVIL_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* The abi_version of a version-1 table (anvil_plugin_v1), which stays 1 so that version-1 plug-ins
 * build unchanged; a version-2 table (anvil_plugin_v2) carries ANVIL_PLUGIN_ABI_VERSION_2. Anvil
 * refuses a table of any other version. */
#define ANVIL_PLUGIN_ABI_VERSION 1
#define ANVIL_PLUGIN_ABI_VERSION_2 2

/* Largest tensor rank an op sees or produces. */
#define ANVIL_PLUGIN_MAX_RANK 8

/* Everything a forward or backward call knows besides its data buffers. */
typedef struct anvil_op_args {
    const int64_t* in_shape;  /* shape of x and dx */
    const int64_t* out_shape; /* shape of y and dy, as check() produced it */
    int64_t in_numel;         /* product of in_shape */
    int64_t out_numel;        /* product of out_shape */
    const float* params;      /* num_params hyper-parameters; NULL when the op has none */
    void* stream;             /* the CUDA stream of the *_cuda entry points; NULL on the CPU */
    char* err;                /* where a failing call writes its message */
    size_t err_len;           /* capacity of err, including the terminating NUL */
    int32_t in_rank;
    int32_t out_rank;
    int32_t num_params;
} anvil_op_args;

/* Validates an input shape and the hyper-parameters, and gives the output shape: out_shape has
 * room for ANVIL_PLUGIN_MAX_RANK dimensions. An element-wise op copies the input shape. */
typedef int32_t (*anvil_op_check_fn)(const int64_t* in_shape, int32_t in_rank, const float* params,
                                     int64_t* out_shape, int32_t* out_rank, char* err, size_t err_len);
/* y = f(x) */
typedef int32_t (*anvil_op_forward_fn)(const anvil_op_args* args, const float* x, float* y);
/* dx = dL/dx from dy = dL/dy; x and y are the input and output of the forward call. dx is
 * overwritten, not accumulated. */
typedef int32_t (*anvil_op_backward_fn)(const anvil_op_args* args, const float* x, const float* y,
                                        const float* dy, float* dx);

typedef struct anvil_op_v1 {
    const char* name;        /* unique within the plug-in, e.g. "leaky_relu" */
    const char* description; /* one line for summaries and error messages; may be NULL */
    int32_t num_params;      /* number of float hyper-parameters, >= 0 */
    anvil_op_check_fn check;
    anvil_op_forward_fn forward;   /* CPU, host buffers */
    anvil_op_backward_fn backward; /* CPU, host buffers */
    /* Device buffers, work queued on args->stream (the context's stream, current on its device);
     * NULL when the plug-in has no CUDA code: a call on a CUDA context then fails with
     * ANVIL_ERR_UNSUPPORTED naming the op. */
    anvil_op_forward_fn forward_cuda;
    anvil_op_backward_fn backward_cuda;
} anvil_op_v1;

typedef struct anvil_plugin_v1 {
    int32_t abi_version; /* ANVIL_PLUGIN_ABI_VERSION; stays the first field in every version */
    const char* name;    /* the plug-in's name, for messages */
    int32_t num_ops;     /* >= 1 */
    const anvil_op_v1* ops;
} anvil_plugin_v1;

/* The entry point of a version-1 plug-in. The table must live as long as the library is loaded
 * (a static const object). */
ANVIL_PLUGIN_EXPORT const anvil_plugin_v1* anvil_plugin_entry(void);

/* ---------------------------------------------------------------- version 2 */

/* Most inputs and weights of one op. */
#define ANVIL_PLUGIN_MAX_INPUTS 8
#define ANVIL_PLUGIN_MAX_WEIGHTS 8

typedef struct anvil_plugin_shape {
    int64_t dims[ANVIL_PLUGIN_MAX_RANK]; /* dims[0 .. rank-1]; the rest unused */
    int32_t rank;
} anvil_plugin_shape;

/* How Anvil initialises a weight when the layer is made (and on resetParameters). */
typedef enum anvil_plugin_init {
    ANVIL_PLUGIN_INIT_CONSTANT = 0,      /* every element init_arg: 0 for a shift, 1 for a scale */
    ANVIL_PLUGIN_INIT_UNIFORM = 1,       /* U(-init_arg, init_arg); init_arg > 0 */
    ANVIL_PLUGIN_INIT_UNIFORM_FAN_IN = 2 /* U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = numel / dims[0]: PyTorch's
                                            default for Linear and Conv2d weights; init_arg unused */
} anvil_plugin_init;

typedef struct anvil_weight_def {
    const char* name; /* the weight's name in the layer's state dict ("weight", "bias"): letters, digits
                         and '_', not starting with a digit, unique within the op */
    int32_t init;     /* an anvil_plugin_init */
    float init_arg;   /* finite */
} anvil_weight_def;

/* Everything a version-2 forward or backward call knows besides its data buffers. */
typedef struct anvil_op_args_v2 {
    const anvil_plugin_shape* in_shapes;     /* num_inputs: shapes of inputs[i] and input_grads[i] */
    const int64_t* in_numel;                 /* num_inputs element counts */
    const anvil_plugin_shape* out_shape;     /* shape of y and dy, as check() produced it */
    int64_t out_numel;
    const anvil_plugin_shape* weight_shapes; /* num_weights: shapes of weights[i] and weight_grads[i]; NULL without */
    const int64_t* weight_numel;             /* num_weights element counts; NULL without */
    const float* params;                     /* num_params hyper-parameters; NULL when the op has none */
    void* stream;                            /* the CUDA stream of the *_cuda entry points; NULL on the CPU */
    char* err;                               /* where a failing call writes its message */
    size_t err_len;                          /* capacity of err, including the terminating NUL */
    int32_t num_inputs;
    int32_t num_weights;
    int32_t num_params;
} anvil_op_args_v2;

/* The weights' shapes for the hyper-parameters and the input shapes: in_shapes holds the op's
 * num_inputs shapes, or is NULL when a layer is made before it has seen an input (an op whose
 * weight shapes depend on the inputs then fails, saying which inputs it needs). Anvil calls it
 * when a layer is made, and again on every call to check the layer's weights against the inputs. */
typedef int32_t (*anvil_op_weight_shapes_fn)(const float* params, const anvil_plugin_shape* in_shapes,
                                             anvil_plugin_shape* weight_shapes, char* err, size_t err_len);
/* Validates the num_inputs input shapes and the hyper-parameters, and gives the output shape. */
typedef int32_t (*anvil_op_check_v2_fn)(const anvil_plugin_shape* in_shapes, const float* params,
                                        anvil_plugin_shape* out_shape, char* err, size_t err_len);
/* y = f(inputs, weights): inputs[i] has in_shapes[i], weights[i] weight_shapes[i]. */
typedef int32_t (*anvil_op_forward_v2_fn)(const anvil_op_args_v2* args, const float* const* inputs,
                                          const float* const* weights, float* y);
/* From dy = dL/dy and the forward call's inputs, weights and output y: input_grads[i] = dL/dinputs[i]
 * (overwritten) and weight_grads[i] += dL/dweights[i] (added to: Anvil zeroes a gradient first when
 * the training loop asks for it). */
typedef int32_t (*anvil_op_backward_v2_fn)(const anvil_op_args_v2* args, const float* const* inputs,
                                           const float* const* weights, const float* y, const float* dy,
                                           float* const* input_grads, float* const* weight_grads);

typedef struct anvil_op_v2 {
    const char* name;                      /* unique within the plug-in */
    const char* description;               /* one line; may be NULL */
    int32_t num_inputs;                    /* 1 .. ANVIL_PLUGIN_MAX_INPUTS */
    int32_t num_params;                    /* float hyper-parameters, >= 0 */
    int32_t num_weights;                   /* 0 .. ANVIL_PLUGIN_MAX_WEIGHTS */
    const anvil_weight_def* weights;       /* num_weights definitions; NULL when there are none */
    anvil_op_weight_shapes_fn weight_shapes; /* required when num_weights > 0, else NULL */
    anvil_op_check_v2_fn check;
    anvil_op_forward_v2_fn forward;   /* CPU, host buffers */
    anvil_op_backward_v2_fn backward; /* CPU, host buffers */
    /* Device buffers, work queued on args->stream; NULL without CUDA code (see anvil_op_v1). */
    anvil_op_forward_v2_fn forward_cuda;
    anvil_op_backward_v2_fn backward_cuda;
} anvil_op_v2;

typedef struct anvil_plugin_v2 {
    int32_t abi_version; /* ANVIL_PLUGIN_ABI_VERSION_2 */
    const char* name;    /* the plug-in's name, for messages */
    int32_t num_ops;     /* >= 1 */
    const anvil_op_v2* ops;
} anvil_plugin_v2;

/* The entry point of a version-2 plug-in (which exports no anvil_plugin_entry). */
ANVIL_PLUGIN_EXPORT const anvil_plugin_v2* anvil_plugin_entry_v2(void);

/* ---------------------------------------------------------------- version 3 */

#define ANVIL_PLUGIN_ABI_VERSION_3 3

/* Most buffers of one op. */
#define ANVIL_PLUGIN_MAX_BUFFERS 8

/* A buffer: state of the op that is not trained but saved with the model (PyTorch's register_buffer),
 * float32 like everything else. Anvil fills it with init when the layer is made (and on
 * resetParameters); from then on only the op's forward changes it. */
typedef struct anvil_buffer_def {
    const char* name; /* the buffer's key in the layer's state dict ("running_mean"): an identifier as for weights,
                         unique among the op's weights and buffers */
    float init;       /* every element's first value: finite (0 for a mean, 1 for a variance) */
} anvil_buffer_def;

/* Everything a version-3 forward or backward call knows besides its data buffers: version 2's
 * arguments, the buffers' shapes, and the mode. */
typedef struct anvil_op_args_v3 {
    anvil_op_args_v2 base;                   /* as for version 2 */
    const anvil_plugin_shape* buffer_shapes; /* num_buffers: shapes of buffers[i]; NULL without */
    const int64_t* buffer_numel;             /* num_buffers element counts; NULL without */
    int32_t num_buffers;
    int32_t training; /* 1 when the model trains (model.train()), 0 when it evaluates (model.eval()) */
} anvil_op_args_v3;

/* y = f(inputs, weights, buffers); in training the op may also update its buffers (a running mean),
 * which no other call reads or writes meanwhile. In evaluation it should leave them as they are. */
typedef int32_t (*anvil_op_forward_v3_fn)(const anvil_op_args_v3* args, const float* const* inputs,
                                          const float* const* weights, float* const* buffers, float* y);
/* As version 2's backward, with the buffers as the forward call left them (read-only). Anvil calls it
 * after a training forward pass, and also after an evaluation one when a user differentiates a model
 * in eval mode (training is then 0: a BatchNorm differentiates its running-statistics map). */
typedef int32_t (*anvil_op_backward_v3_fn)(const anvil_op_args_v3* args, const float* const* inputs,
                                           const float* const* weights, const float* const* buffers, const float* y,
                                           const float* dy, float* const* input_grads, float* const* weight_grads);

typedef struct anvil_op_v3 {
    const char* name;                        /* unique within the plug-in */
    const char* description;                 /* one line; may be NULL */
    int32_t num_inputs;                      /* 1 .. ANVIL_PLUGIN_MAX_INPUTS */
    int32_t num_params;                      /* float hyper-parameters, >= 0 */
    int32_t num_weights;                     /* 0 .. ANVIL_PLUGIN_MAX_WEIGHTS */
    const anvil_weight_def* weights;         /* num_weights definitions; NULL when there are none */
    anvil_op_weight_shapes_fn weight_shapes; /* required when num_weights > 0, else NULL */
    int32_t num_buffers;                     /* 0 .. ANVIL_PLUGIN_MAX_BUFFERS */
    const anvil_buffer_def* buffers;         /* num_buffers definitions; NULL when there are none */
    anvil_op_weight_shapes_fn buffer_shapes; /* the buffers' shapes, as weight_shapes gives the weights';
                                                required when num_buffers > 0, else NULL */
    anvil_op_check_v2_fn check;
    anvil_op_forward_v3_fn forward;   /* CPU, host buffers */
    anvil_op_backward_v3_fn backward; /* CPU, host buffers */
    /* Device buffers, work queued on args->base.stream; NULL without CUDA code (see anvil_op_v1). */
    anvil_op_forward_v3_fn forward_cuda;
    anvil_op_backward_v3_fn backward_cuda;
} anvil_op_v3;

typedef struct anvil_plugin_v3 {
    int32_t abi_version; /* ANVIL_PLUGIN_ABI_VERSION_3 */
    const char* name;    /* the plug-in's name, for messages */
    int32_t num_ops;     /* >= 1 */
    const anvil_op_v3* ops;
} anvil_plugin_v3;

/* The entry point of a version-3 plug-in (which exports neither earlier entry point). */
ANVIL_PLUGIN_EXPORT const anvil_plugin_v3* anvil_plugin_entry_v3(void);

#ifdef __cplusplus
}
#endif

#endif /* ANVIL_PLUGIN_H */
