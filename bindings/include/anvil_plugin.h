/*
 * anvil_plugin.h - what a plug-in implements to add native ops to Anvil without forking it.
 *
 * A plug-in is a shared library exporting one symbol, anvil_plugin_entry, which returns a static
 * table: the plug-in's name and its ops. Anvil loads it at run time (anvil_plugin_load in
 * anvil.h), validates every call before it reaches the plug-in, and turns a failure reported by
 * the plug-in into a status code and message of its own.
 *
 * An op is a parameter-free function y = f(x) of one float32 tensor, with a fixed number of float
 * hyper-parameters (a LeakyReLU slope, a clipping bound). It has no weights: a layer with weights
 * composes a built-in Linear or Conv2d with the plug-in op. Tensors are dense, row-major,
 * contiguous float32 buffers of rank 1 to ANVIL_PLUGIN_MAX_RANK with positive dimensions.
 *
 * Rules for the implementation:
 *  - Every function returns 0 on success, or non-zero after writing a NUL-terminated message of at
 *    most err_len bytes to err (Anvil prefixes it with the plug-in and op names).
 *  - Functions must be reentrant: Anvil may call the same op from several threads at once, on
 *    different buffers. Keep no mutable global state.
 *  - No C++ exception may leave a function (Anvil catches what it can, but a C frame in between
 *    cannot be unwound through).
 *  - Buffers never overlap: y, dy and dx are distinct from each other and from x.
 *  - forward and backward run only on shapes and parameters that check() accepted.
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

/* Bumped whenever a struct below changes; Anvil refuses a plug-in built against another one. */
#define ANVIL_PLUGIN_ABI_VERSION 1

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

/* The one symbol a plug-in exports. The table must live as long as the library is loaded
 * (a static const object). */
ANVIL_PLUGIN_EXPORT const anvil_plugin_v1* anvil_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* ANVIL_PLUGIN_H */
