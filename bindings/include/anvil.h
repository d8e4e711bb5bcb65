/*
 * anvil.h - the one contract between the Java runtime and Anvil's native kernels.
 *
 * Plain C (C99), so that JavaCPP, jextract/FFM and C programs can all bind it:
 *  - every symbol carries the anvil_ prefix;
 *  - objects are opaque handles (anvil_context);
 *  - operation parameters travel in plain descriptor structs of fixed-width fields;
 *  - every entry point returns an anvil_status; on failure anvil_last_error() gives a
 *    message for the calling thread (it names the operation and the offending values);
 *  - no C++ type or exception crosses this boundary: every entry point validates its
 *    arguments and catches everything the implementation throws.
 *
 * Tensors are float32, dense, row-major, NCHW for images. Pointers are owned by the
 * caller; memory obtained from anvil_malloc must be released with anvil_free.
 * Backward entry points that produce parameter gradients take `accumulate`:
 * 0 overwrites the gradient, 1 adds to it (gradient accumulation over micro-batches).
 */
#ifndef ANVIL_H
#define ANVIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define ANVIL_API __declspec(dllexport)
#else
#define ANVIL_API __attribute__((visibility("default")))
#endif

/* Marks a function that returns within a microsecond, never blocks and never calls back into the
 * caller: a binding may call it without the usual thread-state transition (java.lang.foreign's
 * critical downcalls). It expands to nothing. */
#define ANVIL_LEAF

/* Bumped whenever a function signature or struct layout changes. Additions (new functions, new
 * status codes) keep it: a binding built against an older header works with a newer library. */
#define ANVIL_ABI_VERSION 4

typedef enum anvil_status {
    ANVIL_OK = 0,
    ANVIL_ERR_INVALID_ARGUMENT = 1, /* bad shape, null pointer, out-of-range value */
    ANVIL_ERR_OUT_OF_MEMORY = 2,
    ANVIL_ERR_UNSUPPORTED = 3,      /* valid request this build or device cannot serve */
    ANVIL_ERR_INTERNAL = 4,         /* a bug of ours: please report the message */
    ANVIL_ERR_PLUGIN = 5,           /* a plug-in cannot be loaded, or one of its ops failed */
    ANVIL_ERR_TIMEOUT = 6           /* a collective did not complete before its deadline */
} anvil_status;

/* ---------------------------------------------------------------- library */

/* Library version string, e.g. "0.1.0". Never fails. */
ANVIL_API ANVIL_LEAF const char* anvil_version(void);
/* ANVIL_ABI_VERSION of the loaded library. */
ANVIL_API ANVIL_LEAF int32_t anvil_abi_version(void);
/* Message of the last failed call on this thread ("" if none). Valid until the next call. */
ANVIL_API ANVIL_LEAF const char* anvil_last_error(void);
/* CPU features the kernels dispatch on, as the CPU reports them (whatever the cap below), e.g.
 * "avx2 fma avx512f". Never fails. */
ANVIL_API ANVIL_LEAF const char* anvil_cpu_features(void);
/* Caps the instruction set the CPU kernels use, process-wide: "portable" (baseline x86-64),
 * "avx2" (AVX2 and FMA), "avx512" (AVX-512F) or "avx512vbmi" (AVX-512 with BW, VL and VBMI: every
 * variant). A cap above what the CPU has changes nothing. The environment variable ANVIL_CPU_ISA
 * sets it when the library loads. The first kernel to run fixes the level, so that a process never
 * mixes variants: afterwards only the level in force is accepted (ANVIL_ERR_UNSUPPORTED otherwise). */
ANVIL_API anvil_status anvil_cpu_isa_limit(const char* level);
/* One line per CPU kernel family: the variant that runs at the level in force and why, headed by
 * the level and its reason. Fixes the level as a kernel would. Never fails. */
ANVIL_API const char* anvil_cpu_dispatch(void);
/* Name of the micro-kernel the GEMM selected on this CPU, e.g. "avx512-16x14". */
ANVIL_API ANVIL_LEAF const char* anvil_gemm_kernel(void);

/* ---------------------------------------------------------------- context */

/* A context owns the worker threads and the scratch workspaces of the kernels. It serves one call
 * at a time: callers on several threads may share it and queue (each call holds the context's lock
 * while it runs), and calls on different contexts run at once. Give each thread its own context for
 * independent work that must not wait (anvil_context_destroy only when no call uses it). */
typedef struct anvil_context anvil_context;

/* num_threads <= 0 selects the number of online CPUs. */
ANVIL_API anvil_status anvil_context_create(int32_t num_threads, anvil_context** out);
/* Destroying NULL is a no-op. The context must not be in use by any call. */
ANVIL_API anvil_status anvil_context_destroy(anvil_context* ctx);
/* Replaces the worker threads of a CPU context (num_threads <= 0: the number of online CPUs), once
 * the call in progress on it, if any, has returned. */
ANVIL_API anvil_status anvil_context_set_num_threads(anvil_context* ctx, int32_t num_threads);
/* These two wait for the call in progress on the context (its lock), so they are not ANVIL_LEAF: a
 * critical downcall blocked on a lock would stall the JVM at its next safepoint. */
ANVIL_API anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out);
/* Bytes currently held by the context's scratch workspaces. */
ANVIL_API anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out);

/* ---------------------------------------------------------------- CUDA devices */

/* ANVIL_OK where CUDA can be used: this build has the CUDA backend, a driver is installed and at
 * least one device is visible. Otherwise ANVIL_ERR_UNSUPPORTED, and anvil_last_error() says why
 * (no CUDA backend in this build, no driver, no device). Never aborts, loads no GPU library at
 * build time: the CUDA runtime is linked statically and the driver is looked up at run time. */
ANVIL_API anvil_status anvil_cuda_available(void);
/* Number of visible CUDA devices; 0 (with ANVIL_OK) where anvil_cuda_available() fails. */
ANVIL_API anvil_status anvil_cuda_device_count(int32_t* out);

typedef struct anvil_cuda_device_props {
    char name[256];
    int64_t total_memory;            /* bytes */
    int32_t major, minor;            /* compute capability */
    int32_t multiprocessors;
    int32_t driver_version;          /* e.g. 13000 for 13.0 */
    int32_t runtime_version;
    int32_t reserved;
} anvil_cuda_device_props;

ANVIL_API anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out);

/* A context on CUDA device `device`: it owns a stream, on which every op of the context runs, and
 * a stream-ordered caching allocator. The compute entry points below take device pointers for a
 * CUDA context (memory from anvil_context_malloc) and host pointers for a CPU context. An index out
 * of range, or no usable CUDA, fails at once with the reason; there is no fall-back to the CPU. */
ANVIL_API anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out);
/* device_type: 0 CPU, 1 CUDA; device_index: the CUDA device (0 for the CPU). */
ANVIL_API anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index);
/* Waits for the context's work to finish; reports asynchronous errors of earlier ops (naming the
 * op that was launched, with the CUDA error). A CPU context returns at once. */
ANVIL_API anvil_status anvil_context_synchronize(anvil_context* ctx);
/* Whether the work queued on the context has finished (*done = 1) or still runs (0), without
 * waiting; an asynchronous error of that work is reported as by anvil_context_synchronize. A CPU
 * context is always done. */
ANVIL_API anvil_status anvil_context_query(anvil_context* ctx, int32_t* done);
/* The context's CUDA stream (a cudaStream_t), for libraries whose work must be ordered with the
 * context's ops, such as NCCL collectives on gradients; NULL for a CPU context. */
ANVIL_API anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out);

/* Memory of the context's device: host memory (as anvil_malloc) for a CPU context, device memory
 * from the caching allocator for a CUDA context (freed blocks are kept for reuse on the stream). */
ANVIL_API anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out);
ANVIL_API anvil_status anvil_context_free(anvil_context* ctx, void* ptr);

typedef struct anvil_allocator_stats {
    int64_t allocated;       /* bytes in blocks handed out and not freed */
    int64_t reserved;        /* bytes held from the device, in use or cached */
    int64_t peak_allocated;  /* the highest `allocated` since the context was created */
    int64_t allocations;     /* number of anvil_context_malloc calls served */
    int64_t cache_hits;      /* of which served from cached blocks */
} anvil_allocator_stats;

ANVIL_API anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out);
/* Returns the cached blocks that are not in use to the device. */
ANVIL_API anvil_status anvil_context_empty_cache(anvil_context* ctx);

/* Copies bytes between host and the context's device, ordered on the context's stream.
 * kind: 0 host to host, 1 host to device, 2 device to host, 3 device to device. Copies from
 * device to host return when the data has arrived. */
ANVIL_API anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind);

/* Page-locked host memory for fast, overlappable copies (plain host memory for a CPU context). */
ANVIL_API anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out);
ANVIL_API anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr);

/* ---------------------------------------------------------------- memory */

/* 64-byte aligned host memory, counted in anvil_live_bytes(). bytes == 0 is an error. */
ANVIL_API anvil_status anvil_malloc(int64_t bytes, void** out);
/* Freeing NULL is a no-op. */
ANVIL_API anvil_status anvil_free(void* ptr);
/* Bytes allocated by anvil_malloc and not yet freed, process-wide. */
ANVIL_API ANVIL_LEAF int64_t anvil_live_bytes(void);

/* ---------------------------------------------------------------- elementwise */

ANVIL_API anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y);
/* y = x (non-overlapping) */
ANVIL_API anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y);
/* x *= alpha */
ANVIL_API anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x);
/* y += alpha * x */
ANVIL_API anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y);
/* y = a + b; y may be a or b (in place), no other overlap */
/* x = min(max(x, lo), hi) in place (torch.clamp; NaN stays NaN); lo <= hi, neither NaN. */
ANVIL_API anvil_status anvil_clamp(anvil_context* ctx, int64_t n, float lo, float hi, float* x);
/* *out = sum of x[i]^2 over n elements, accumulated in double in a fixed order (the same result for
 * any thread count); out is host memory on every backend. n == 0 gives 0. */
ANVIL_API anvil_status anvil_sum_squares(anvil_context* ctx, int64_t n, const float* x, double* out);
ANVIL_API anvil_status anvil_add(anvil_context* ctx, int64_t n, const float* a, const float* b, float* y);
/* Element-wise arithmetic of the tensor API. Division is IEEE division (x / 0 = +-inf, 0 / 0 = NaN), as PyTorch's. */
typedef enum anvil_binary_op {
    ANVIL_BINARY_ADD = 0,
    ANVIL_BINARY_SUB = 1,
    ANVIL_BINARY_MUL = 2,
    ANVIL_BINARY_DIV = 3
} anvil_binary_op;
/* y = a op b over n elements; y may be a or b (in place), no other overlap. */
ANVIL_API anvil_status anvil_binary(anvil_context* ctx, int32_t op, int64_t n, const float* a, const float* b, float* y);
/* dst[r * dst_stride + c] = src[r * src_stride + c] for r < rows, c < cols (strides >= cols): a block of
 * rows between wider rows, as channel concatenation and its split need. Source and destination
 * blocks must not overlap. */
ANVIL_API anvil_status anvil_copy_rows(anvil_context* ctx, int64_t rows, int64_t cols, const float* src, int64_t src_stride,
                                       float* dst, int64_t dst_stride);

/* ---------------------------------------------------------------- conv2d */

typedef struct anvil_conv2d_desc {
    int64_t batch;
    int64_t in_channels, in_h, in_w;
    int64_t out_channels;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;
    int64_t pad_h, pad_w;
    int64_t dilation_h, dilation_w;
    int64_t groups;
} anvil_conv2d_desc;

/* Output height and width; fails if the (dilated) kernel is larger than the padded input. */
ANVIL_API ANVIL_LEAF anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* d, int64_t* out_h, int64_t* out_w);
/* x [N,C,H,W], w [O,C/groups,KH,KW], bias [O] or NULL, y [N,O,OH,OW] */
ANVIL_API anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* d,
                                            const float* x, const float* w, const float* bias, float* y);
/* dx = conv2d'(dy, w), overwritten */
ANVIL_API anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* d,
                                                  const float* dy, const float* w, float* dx);
/* dw (and db if not NULL) from x and dy */
ANVIL_API anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* d,
                                                    const float* x, const float* dy, float* dw, float* db,
                                                    int32_t accumulate);

/* ---------------------------------------------------------------- pool2d */

typedef struct anvil_pool2d_desc {
    int64_t batch, channels, in_h, in_w;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;
    int64_t pad_h, pad_w;
    int32_t count_include_pad; /* average pooling: divide by the full window (1) or its in-bounds part (0) */
    int32_t ceil_mode;         /* 1: output sizes round up (PyTorch's ceil_mode); a window must still start
                                  inside the input or its left padding, and the space beyond the padded
                                  input counts in no average's divisor */
} anvil_pool2d_desc;

ANVIL_API ANVIL_LEAF anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* d, int64_t* out_h, int64_t* out_w);
/* Bytes per element of max pooling's argmax: 1 (uint8_t) when a window has at most 256 elements,
 * else 4 (int32_t). An argmax element is the position of its window's maximum within the window,
 * i * kernel_w + j for window row i and column j (counting padding), which the backward pass needs
 * instead of the input; one byte each keeps that record a quarter of the size of int32 plane
 * indices, and most of max pooling's time is moving memory. */
ANVIL_API ANVIL_LEAF anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* d, int64_t* out);
/* y [N,C,OH,OW]; argmax [N,C,OH,OW] of anvil_maxpool2d_index_bytes each receives the position of
 * each maximum within its window, or may be NULL in inference. */
ANVIL_API anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d,
                                               const float* x, float* y, void* argmax);
/* dx (overwritten) from dy and the argmax of the forward pass; a position outside its window
 * (only a corrupted argmax holds one) contributes nothing. */
ANVIL_API anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d,
                                                const float* dy, const void* argmax, float* dx);
ANVIL_API anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d,
                                               const float* x, float* y);
ANVIL_API anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d,
                                                const float* dy, float* dx);

/* ---------------------------------------------------------------- batchnorm */

/* Batch normalisation over the channels of x [batch, channels, spatial] (spatial: the product of the
 * remaining dimensions, H*W for BatchNorm2d, 1 for BatchNorm1d on [N, C]), as PyTorch's BatchNorm:
 * y = gamma * (x - mean) / sqrt(var + eps) + beta per channel. */
typedef struct anvil_batchnorm_desc {
    int64_t batch, channels, spatial;
    float eps;       /* added to the variance, e.g. 1e-5 */
    float momentum;  /* running = (1 - momentum) * running + momentum * batch statistic, e.g. 0.1 */
    int32_t training; /* 1: the batch's statistics (biased variance), running ones updated with the
                        unbiased variance; needs batch * spatial > 1. 0: the running statistics */
    int32_t relu;     /* 1: y = max(batchnorm(x), 0), fused */
} anvil_batchnorm_desc;

/* Bytes of the fused ReLU's mask, which the forward pass writes and the backward pass reads instead
 * of y (a bit where y is a float: the backward pass's first read of each element costs a
 * thirty-second of one): 2 * batch * channels * ceil(spatial / 16). Bit s % 16 of the 16-bit word
 * (c * batch + n) * ceil(spatial / 16) + s / 16 is set where element (n, c, s) passes the gradient
 * (y > 0, or NaN); the bits past a run's end are 0. Channel by channel, as the passes go: each
 * channel's words are its own cache lines but at its ends. */
ANVIL_API ANVIL_LEAF anvil_status anvil_batchnorm_relu_mask_bytes(const anvil_batchnorm_desc* d, int64_t* out);
/* gamma and beta [channels] are both NULL without an affine transform. running_mean and running_var
 * [channels] are read in evaluation, updated in training, and may be NULL in training (no running
 * statistics). save_mean and save_invstd [channels] receive the mean and 1/sqrt(var + eps) used, for
 * the backward pass. y [batch, channels, spatial] must not overlap x. relu_mask (with relu only, else
 * NULL) receives the ReLU's mask for the backward pass (anvil_batchnorm_relu_mask_bytes), or is NULL
 * where none follows. */
ANVIL_API anvil_status anvil_batchnorm_forward(anvil_context* ctx, const anvil_batchnorm_desc* d, const float* x,
                                               const float* gamma, const float* beta, float* running_mean,
                                               float* running_var, float* save_mean, float* save_invstd, float* y,
                                               void* relu_mask);
/* dx (overwritten) and, with gamma, dgamma and dbeta (overwritten, or added to with accumulate = 1) from
 * dy and the forward pass's x, save_mean and save_invstd (and, with relu, its relu_mask; NULL without).
 * In evaluation the statistics are constants: dx = dy * gamma * invstd. */
ANVIL_API anvil_status anvil_batchnorm_backward(anvil_context* ctx, const anvil_batchnorm_desc* d, const float* x,
                                                const void* relu_mask, const float* dy, const float* gamma,
                                                const float* save_mean, const float* save_invstd, float* dx,
                                                float* dgamma, float* dbeta, int32_t accumulate);
/* The last BatchNorm of a ResNet block, the shortcut's addition and the ReLU after it in one pass:
 * y = max(batchnorm(x) + residual, 0). d->relu must be 1; residual [batch, channels, spatial] must not
 * overlap y. Otherwise as anvil_batchnorm_forward. */
ANVIL_API anvil_status anvil_batchnorm_add_relu_forward(anvil_context* ctx, const anvil_batchnorm_desc* d, const float* x,
                                                        const float* residual, const float* gamma, const float* beta,
                                                        float* running_mean, float* running_var, float* save_mean,
                                                        float* save_invstd, float* y, void* relu_mask);
/* Its backward: dx and the parameter gradients as anvil_batchnorm_backward with relu (relu_mask: that of
 * anvil_batchnorm_add_relu_forward), and dresidual (overwritten) = dy where the mask passes it, else
 * 0: the gradient that reaches the residual. dresidual must not overlap any other buffer of the call. */
ANVIL_API anvil_status anvil_batchnorm_add_relu_backward(anvil_context* ctx, const anvil_batchnorm_desc* d, const float* x,
                                                         const void* relu_mask, const float* dy, const float* gamma,
                                                         const float* save_mean, const float* save_invstd, float* dx,
                                                         float* dresidual, float* dgamma, float* dbeta,
                                                         int32_t accumulate);

/* ---------------------------------------------------------------- groupnorm */

/* Group normalisation (Wu and He 2018; PyTorch's GroupNorm): the channels of x [batch, channels,
 * spatial] fall into `groups` equal groups, and each sample's group is normalised with its own mean
 * and (biased) variance, then y = gamma[c] * xhat + beta[c]. Independent of the other samples, so it
 * suits per-sample gradients (differential privacy) and batches of one. */
typedef struct anvil_groupnorm_desc {
    int64_t batch, channels, spatial, groups; /* channels divisible by groups */
    float eps;
    int32_t reserved;
} anvil_groupnorm_desc;

/* gamma and beta [channels] are both NULL without an affine transform; save_mean and save_invstd
 * [batch, groups] receive the statistics for the backward pass. y must not overlap x. */
ANVIL_API anvil_status anvil_groupnorm_forward(anvil_context* ctx, const anvil_groupnorm_desc* d, const float* x,
                                               const float* gamma, const float* beta, float* save_mean, float* save_invstd,
                                               float* y);
/* dx (overwritten) and, with gamma, dgamma and dbeta (overwritten, or added to with accumulate = 1). */
ANVIL_API anvil_status anvil_groupnorm_backward(anvil_context* ctx, const anvil_groupnorm_desc* d, const float* x,
                                                const float* dy, const float* gamma, const float* save_mean,
                                                const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                                int32_t accumulate);

/* ---------------------------------------------------------------- linear */

typedef struct anvil_linear_desc {
    int64_t batch, in_features, out_features;
} anvil_linear_desc;

/* y [B,O] = x [B,I] * w[O,I]^T + bias [O] (bias may be NULL) */
ANVIL_API anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d,
                                            const float* x, const float* w, const float* bias, float* y);
/* dx [B,I] = dy [B,O] * w [O,I], overwritten */
ANVIL_API anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d,
                                                  const float* dy, const float* w, float* dx);
/* dw [O,I] = dy^T x, db [O] = column sums of dy (db may be NULL) */
ANVIL_API anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d,
                                                    const float* x, const float* dy, float* dw, float* db,
                                                    int32_t accumulate);
/* c[m, n] = a[m, k] * b[k, n], row-major (the tensor API's matmul); c must not overlap a or b. */
ANVIL_API anvil_status anvil_matmul(anvil_context* ctx, int64_t m, int64_t k, int64_t n, const float* a, const float* b, float* c);

/* ---------------------------------------------------------------- per-sample gradient norms */

/* For differentially private training: the squared norm of each sample's parameter gradient, without
 * materialising per-sample gradients, ADDED to sq [batch] (float, on the context's device), so that
 * the layers of a network accumulate into one buffer. Sums in double.
 *
 * Linear (the "ghost norm", Goodfellow 2015): sample i's weight gradient is dy_i x_i^T, whose squared
 * Frobenius norm is |dy_i|^2 |x_i|^2; with bias = 1 its bias gradient adds |dy_i|^2.
 * x [batch, in_features], dy [batch, out_features]; sq must not overlap x or dy. */
ANVIL_API anvil_status anvil_linear_per_sample_sq_norms(anvil_context* ctx, const anvil_linear_desc* d, const float* x,
                                                        const float* dy, int32_t bias, float* sq);
/* Conv2d (NCHW, any geometry and groups): sample i's weight gradient is, per group, dy_i [O/g, P] times
 * its column matrix col_i [K, P]^T (K = C/g * KH * KW input taps, P = OH * OW output positions);
 * with bias = 1 its bias gradient (dy_i summed over the positions) adds its squared norm. Two
 * methods, same result: method 0 forms each sample's weight gradient (O(P K O) per sample) and
 * sums its squares; method 1, the "ghost norm", never forms it: |dy_i col_i^T|^2 =
 * sum over positions p, q of (col_i^T col_i)[p, q] (dy_i^T dy_i)[p, q], O(P^2 (K + O)) per sample,
 * cheaper when P < K O / (K + O). x [batch, C, H, W], dy [batch, O, OH, OW]; sq must not overlap x
 * or dy. */
ANVIL_API anvil_status anvil_conv2d_per_sample_sq_norms(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x,
                                                        const float* dy, int32_t bias, int32_t method, float* sq);
/* GroupNorm with affine parameters: sample i's gradients of gamma and beta are, per channel c,
 * sum_s dy * xhat and sum_s dy over the channel's positions (xhat: x normalised with sample i's
 * group statistics, recomputed here from x with d->eps); sq[i] += sum_c (those two)^2.
 * x and dy [batch, channels, spatial]; sq must not overlap x or dy. */
ANVIL_API anvil_status anvil_groupnorm_per_sample_sq_norms(anvil_context* ctx, const anvil_groupnorm_desc* d, const float* x,
                                                           const float* dy, float* sq);

/* ---------------------------------------------------------------- activation */

/* y = max(x, 0); x == y is allowed */
ANVIL_API anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y);
/* dx = dy where y > 0, else 0; y is the forward output; dx may be the same buffer as dy or y */
ANVIL_API anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy,
                                           float* dx);
/* Inverted dropout: y = x / (1-p) where keep(seed, i), else 0. The mask is a pure function of
 * (seed, i), independent of the thread count, so backward recomputes it from the same seed.
 * 0 <= p < 1. */
ANVIL_API anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed,
                                             const float* x, float* y);
ANVIL_API anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed,
                                              const float* dy, float* dx);

/* Element-wise activations, as PyTorch defines them (alpha is the one parameter of those that have
 * one, ignored by the others):
 *   LEAKY_RELU  x > 0 ? x : alpha * x                       (alpha: negative_slope, 0.01)
 *   ELU         x > 0 ? x : alpha * (exp(x) - 1)             (alpha, 1.0)
 *   GELU        x * (1 + erf(x / sqrt(2))) / 2
 *   GELU_TANH   x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2   (approximate='tanh')
 *   SILU        x * sigmoid(x)
 *   SIGMOID     1 / (1 + exp(-x))
 *   TANH        tanh(x)
 *   HARDSWISH   x * min(max(x + 3, 0), 6) / 6 */
typedef enum anvil_activation {
    ANVIL_ACT_LEAKY_RELU = 0,
    ANVIL_ACT_ELU = 1,
    ANVIL_ACT_GELU = 2,
    ANVIL_ACT_GELU_TANH = 3,
    ANVIL_ACT_SILU = 4,
    ANVIL_ACT_SIGMOID = 5,
    ANVIL_ACT_TANH = 6,
    ANVIL_ACT_HARDSWISH = 7
} anvil_activation;

/* y = f(x) for the anvil_activation `kind`; y may be x (in place), no other overlap. */
ANVIL_API anvil_status anvil_activation_forward(anvil_context* ctx, int32_t kind, float alpha, int64_t n, const float* x,
                                                float* y);
/* dx = f'(x) * dy from the forward pass's x and y; dx may be dy, and must not overlap x or y. */
ANVIL_API anvil_status anvil_activation_backward(anvil_context* ctx, int32_t kind, float alpha, int64_t n, const float* x,
                                                 const float* y, const float* dy, float* dx);

/* ---------------------------------------------------------------- loss */

/* Softmax cross-entropy of logits [batch, classes] against integer labels, as PyTorch's
 * cross_entropy with reduction 'mean', class weights, ignore_index and label_smoothing. With
 * logp = log_softmax(row), w the class weights (all 1 when weight is NULL), s the smoothing and
 * W = sum of w[label] over the samples not ignored:
 *   loss = sum_b [(1 - s) * w[label_b] * -logp[label_b] + (s / classes) * sum_k w[k] * -logp[k]] / W
 * A sample whose label is ignore_index adds nothing to either sum; with every sample ignored the
 * loss is 0/0 = NaN (as PyTorch's) and the gradient 0. Any other label outside [0, classes) is an
 * error naming the first such sample. */
typedef struct anvil_cross_entropy_desc {
    int64_t batch, classes;
    float label_smoothing; /* s in [0, 1]; 0: plain cross-entropy */
    int32_t ignore_index;  /* PyTorch's default: -100 */
} anvil_cross_entropy_desc;

/* weight [classes] or NULL (values are the caller's to check: finite, >= 0). *loss is a host pointer
 * for both devices: on a CUDA context the call waits for the result. */
ANVIL_API anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, const anvil_cross_entropy_desc* d,
                                                           const float* logits, const int32_t* labels,
                                                           const float* weight, float* loss);
/* dlogits [B,K] = scale * d(loss)/d(logits); scale is dL/dloss (usually 1). dlogits may be logits. */
ANVIL_API anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, const anvil_cross_entropy_desc* d,
                                                            const float* logits, const int32_t* labels,
                                                            const float* weight, float scale, float* dlogits);
/* ---------------------------------------------------------------- reductions (tensor API) */

typedef enum anvil_reduce_op {
    ANVIL_REDUCE_SUM = 0,
    ANVIL_REDUCE_MEAN = 1,
    ANVIL_REDUCE_MAX = 2
} anvil_reduce_op;
/* x viewed as [outer, size, inner]: y[o, i] = op over s of x[o, s, i], y being [outer, inner]. Sums in
 * double in index order (the same result for any thread count); max propagates NaN (torch.amax).
 * x and y must not overlap; size >= 1. */
ANVIL_API anvil_status anvil_reduce(anvil_context* ctx, int32_t op, int64_t outer, int64_t size, int64_t inner, const float* x,
                                    float* y);
/* The k largest elements of each row of x [rows, cols] in descending order: values [rows, k] and, unless
 * indices is NULL, their columns [rows, k]. As torch.topk: NaN counts as larger than everything, and
 * equal values keep the lower column first. 1 <= k <= cols; outputs must not overlap x or each other. */
ANVIL_API anvil_status anvil_topk(anvil_context* ctx, int64_t rows, int64_t cols, int64_t k, const float* x, float* values,
                                  int32_t* indices);

/* predictions[b] = argmax_k logits[b,k] (first maximum) */
ANVIL_API anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits,
                                    int32_t* predictions);

/* Softmax (log = 0) or log-softmax (log = 1) along the last dimension of x [rows, cols]; y may be x. */
ANVIL_API anvil_status anvil_softmax_forward(anvil_context* ctx, int64_t rows, int64_t cols, int32_t log, const float* x,
                                             float* y);
/* dx from dy and the forward pass's y: softmax dx = y * (dy - sum(dy * y)), log-softmax
 * dx = dy - exp(y) * sum(dy), per row; dx may be dy, and must not overlap y. */
ANVIL_API anvil_status anvil_softmax_backward(anvil_context* ctx, int64_t rows, int64_t cols, int32_t log, const float* y,
                                              const float* dy, float* dx);

/* Element-wise losses between x and target [n], averaged over n, as PyTorch's (reduction 'mean'):
 *   MSE              (x - t)^2
 *   L1               |x - t|
 *   SMOOTH_L1        |d| < beta ? d^2 / (2 beta) : |d| - beta / 2    (d = x - t; param: beta > 0)
 *   HUBER            |d| < delta ? d^2 / 2 : delta (|d| - delta / 2) (param: delta > 0)
 *   BCE_WITH_LOGITS  max(x, 0) - x t + log(1 + exp(-|x|))             (targets in [0, 1]) */
typedef enum anvil_loss {
    ANVIL_LOSS_MSE = 0,
    ANVIL_LOSS_L1 = 1,
    ANVIL_LOSS_SMOOTH_L1 = 2,
    ANVIL_LOSS_HUBER = 3,
    ANVIL_LOSS_BCE_WITH_LOGITS = 4
} anvil_loss;

/* *loss receives the mean (a host pointer for both devices: on a CUDA context the call waits). */
ANVIL_API anvil_status anvil_loss_forward(anvil_context* ctx, int32_t kind, float param, int64_t n, const float* x,
                                          const float* target, float* loss);
/* dx = scale * d(mean loss)/dx (scale: dL/dloss, usually 1); dx must not overlap x or target. */
ANVIL_API anvil_status anvil_loss_backward(anvil_context* ctx, int32_t kind, float param, int64_t n, const float* x,
                                           const float* target, float scale, float* dx);

/* ---------------------------------------------------------------- optimizers */

/* PyTorch's SGD: g = grad + weight_decay * p; v = momentum * v + (1 - dampening) * g
 * (v = g on step 1); g = nesterov ? g + momentum * v : v; p -= lr * g.
 * velocity may be NULL only when momentum == 0. */
typedef struct anvil_sgd_desc {
    float lr, momentum, dampening, weight_decay;
    int32_t nesterov;
    int32_t reserved;
} anvil_sgd_desc;

/* step counts from 1 */
ANVIL_API anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* d, int64_t step, int64_t n,
                                      float* param, const float* grad, float* velocity);

/* Adam (decoupled == 0: weight decay added to the gradient) or AdamW (decoupled == 1:
 * p -= lr * weight_decay * p before the Adam update), with bias correction. */
typedef struct anvil_adam_desc {
    float lr, beta1, beta2, eps, weight_decay;
    int32_t decoupled;
} anvil_adam_desc;

ANVIL_API anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* d, int64_t step, int64_t n,
                                       float* param, const float* grad, float* m, float* v);

/* ---------------------------------------------------------------- plug-ins */

/* Ops from a shared library that implements anvil_plugin.h, of any plug-in ABI version (guide:
 * docs/extending.md). An op is a function y = f(inputs, weights) of 1 to 8 tensors with num_params
 * float hyper-parameters, 0 to 8 trainable weights and 0 to 8 buffers of state that is not trained
 * (a version-1 op: one input, no weights; a version-2 op: no buffers); ops
 * are numbered 0 .. count-1 in the plug-in's order. Shapes have rank 1 to 8 and positive
 * dimensions. Strings returned here stay valid until the plug-in is unloaded. A plug-in may serve
 * several threads at once; unloading it while one of its ops runs is a bug of the caller.
 * Failures of the plug-in's own code come back as ANVIL_ERR_PLUGIN, arguments its check refuses as
 * ANVIL_ERR_INVALID_ARGUMENT, both with the message "plug-in <name> op <op>: <its message>". */
typedef struct anvil_plugin anvil_plugin;

/* Loads the library at path (dlopen, RTLD_NOW | RTLD_LOCAL) and validates its op table.
 * ANVIL_ERR_UNSUPPORTED: a table of a plug-in ABI version other than 1, 2 and 3 (or of one version
 * from another's entry point). ANVIL_ERR_PLUGIN: the library cannot be loaded (the message carries
 * the loader's), exports none or several of anvil_plugin_entry, anvil_plugin_entry_v2 and
 * anvil_plugin_entry_v3, or its table is malformed (missing names or functions, duplicate op,
 * weight or buffer names, input, weight or buffer counts outside [1, 8], [0, 8] and [0, 8], an
 * unknown initialiser). */
ANVIL_API anvil_status anvil_plugin_load(const char* path, anvil_plugin** out);
/* Unloading NULL is a no-op. */
ANVIL_API anvil_status anvil_plugin_unload(anvil_plugin* plugin);
ANVIL_API anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out);
ANVIL_API anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out);
/* Index of the op called name; an unknown name is an error that lists the plug-in's ops. */
ANVIL_API anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out);
ANVIL_API anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out);
/* "" when the plug-in gives none. */
ANVIL_API anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out);
ANVIL_API anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out);
/* The calls below without _n serve ops of one input and no weights (every version-1 op).
 * Shape of y for an input of the given shape: out_shape has room for 8 dimensions. params may be
 * NULL when num_params is 0; num_params must equal the op's. */
ANVIL_API anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape,
                                                    int32_t rank, const float* params, int32_t num_params,
                                                    int64_t* out_shape, int32_t* out_rank);
/* y = op(x): x has `shape`, y the output shape; the buffers must not overlap. The op runs on the
 * calling thread (ctx is checked like every compute call's, for a future device or thread split). */
ANVIL_API anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                               const int64_t* shape, int32_t rank, const float* params,
                                               int32_t num_params, const float* x, float* y);
/* dx (overwritten, shape of x) from dy (shape of y) and the forward pass's x and y; dx must not
 * overlap x, y or dy. */
ANVIL_API anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                                const int64_t* shape, int32_t rank, const float* params,
                                                int32_t num_params, const float* x, const float* y,
                                                const float* dy, float* dx);

/* Number of inputs (1 for a version-1 op) and of trainable weights (0 for a version-1 op). */
ANVIL_API anvil_status anvil_plugin_op_num_inputs(const anvil_plugin* plugin, int32_t op, int32_t* out);
ANVIL_API anvil_status anvil_plugin_op_num_weights(const anvil_plugin* plugin, int32_t op, int32_t* out);
/* Weight `index` of the op: its name (valid until unload), initialiser (ANVIL_PLUGIN_INIT_* of
 * anvil_plugin.h) and the initialiser's argument. */
ANVIL_API anvil_status anvil_plugin_op_weight(const anvil_plugin* plugin, int32_t op, int32_t index, const char** name,
                                              int32_t* init, float* init_arg);
/* Shapes are passed as rows of 8 int64_t (shape i at shapes + 8 * i, its first ranks[i] entries
 * used) with an int32_t rank each. Gives the op's weight shapes (num_weights rows into
 * weight_shapes and weight_ranks, untouched for an op without weights) for the hyper-parameters
 * and the num_inputs input shapes, or with num_inputs = 0 (in_shapes and in_ranks NULL) before any
 * input is known: an op whose weight shapes depend on its inputs then refuses. */
ANVIL_API anvil_status anvil_plugin_op_weight_shapes(const anvil_plugin* plugin, int32_t op, const float* params,
                                                     int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                                     const int32_t* in_ranks, int64_t* weight_shapes,
                                                     int32_t* weight_ranks);
/* Shape of y (one row: out_shape has room for 8 dimensions) for the inputs' shapes; num_inputs and
 * num_weights must equal the op's, and the weight shapes must be the ones the inputs need. */
ANVIL_API anvil_status anvil_plugin_op_output_shape_n(const anvil_plugin* plugin, int32_t op, const float* params,
                                                      int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                                      const int32_t* in_ranks, int32_t num_weights,
                                                      const int64_t* weight_shapes, const int32_t* weight_ranks,
                                                      int64_t* out_shape, int32_t* out_rank);
/* y = op(inputs, weights), with the shapes as in anvil_plugin_op_output_shape_n; inputs and
 * weights are arrays of num_inputs and num_weights buffers (weights may be NULL without weights);
 * y must not overlap any of them. */
ANVIL_API anvil_status anvil_plugin_op_forward_n(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                                 const float* params, int32_t num_params, int32_t num_inputs,
                                                 const int64_t* in_shapes, const int32_t* in_ranks,
                                                 const float* const* inputs, int32_t num_weights,
                                                 const int64_t* weight_shapes, const int32_t* weight_ranks,
                                                 const float* const* weights, float* y);
/* From dy and the forward pass's inputs, weights and y: input_grads[i] (overwritten, shape of
 * inputs[i]) and weight_grads[i] (added to, shape of weights[i]). Every gradient buffer must be
 * disjoint from every other buffer of the call. */
ANVIL_API anvil_status anvil_plugin_op_backward_n(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                                  const float* params, int32_t num_params, int32_t num_inputs,
                                                  const int64_t* in_shapes, const int32_t* in_ranks,
                                                  const float* const* inputs, int32_t num_weights,
                                                  const int64_t* weight_shapes, const int32_t* weight_ranks,
                                                  const float* const* weights, const float* y, const float* dy,
                                                  float* const* input_grads, float* const* weight_grads);

/* Buffers: state of an op that is not trained (a version-3 op's running statistics; 0 for ops of
 * the earlier versions). Ops with buffers are called through the _state functions, which take them
 * and the mode; the _n calls above refuse them, and run a version-3 op without buffers in training
 * mode. */
ANVIL_API anvil_status anvil_plugin_op_num_buffers(const anvil_plugin* plugin, int32_t op, int32_t* out);
/* Buffer `index` of the op: its name (valid until unload) and the value every element starts at. */
ANVIL_API anvil_status anvil_plugin_op_buffer(const anvil_plugin* plugin, int32_t op, int32_t index, const char** name,
                                              float* init);
/* The buffers' shapes (num_buffers rows), as anvil_plugin_op_weight_shapes gives the weights'. */
ANVIL_API anvil_status anvil_plugin_op_buffer_shapes(const anvil_plugin* plugin, int32_t op, const float* params,
                                                     int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                                     const int32_t* in_ranks, int64_t* buffer_shapes,
                                                     int32_t* buffer_ranks);
/* y = op(inputs, weights, buffers) as in anvil_plugin_op_forward_n, for an op of any version: the
 * buffers (num_buffers of them, the op's count, with the shapes anvil_plugin_op_buffer_shapes
 * gives) may be updated when training is 1, and must not overlap each other or any other buffer
 * of the call. training is 1 (the model trains) or 0 (it evaluates); ops of versions 1 and 2 do
 * not see it. */
ANVIL_API anvil_status anvil_plugin_op_forward_state(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                                     const float* params, int32_t num_params, int32_t num_inputs,
                                                     const int64_t* in_shapes, const int32_t* in_ranks,
                                                     const float* const* inputs, int32_t num_weights,
                                                     const int64_t* weight_shapes, const int32_t* weight_ranks,
                                                     const float* const* weights, int32_t num_buffers,
                                                     const int64_t* buffer_shapes, const int32_t* buffer_ranks,
                                                     float* const* buffers, int32_t training, float* y);
/* As anvil_plugin_op_backward_n, with the buffers (read) and the mode of the forward call. */
ANVIL_API anvil_status anvil_plugin_op_backward_state(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                                      const float* params, int32_t num_params, int32_t num_inputs,
                                                      const int64_t* in_shapes, const int32_t* in_ranks,
                                                      const float* const* inputs, int32_t num_weights,
                                                      const int64_t* weight_shapes, const int32_t* weight_ranks,
                                                      const float* const* weights, int32_t num_buffers,
                                                      const int64_t* buffer_shapes, const int32_t* buffer_ranks,
                                                      const float* const* buffers, int32_t training, const float* y,
                                                      const float* dy, float* const* input_grads,
                                                      float* const* weight_grads);

/* ---------------------------------------------------------------- MPI */

/* Collectives across processes through Open MPI, loaded at run time (dlopen of libmpi.so.40, then
 * libmpi.so; the environment variable ANVIL_MPI_LIBRARY names another file instead): libanvil
 * neither links nor needs MPI until these functions are called. What is bound is Open MPI's binary
 * interface (4.x and 5.x), not MPI's source API, so other MPI implementations are not supported.
 * The processes must be started by mpirun. MPI is called with MPI_THREAD_SERIALIZED: the caller
 * makes sure that two threads never call these functions at the same time.
 *
 * Every collective runs over MPI_COMM_WORLD as a non-blocking MPI operation, polled until it
 * completes or timeout_ms (> 0) have passed. Then it returns ANVIL_ERR_TIMEOUT and leaves the
 * operation pending: the ranks no longer agree on what comes next, so every later collective is
 * refused and the job can only be ended with anvil_mpi_abort. */

/* ANVIL_OK when Open MPI can be loaded; ANVIL_ERR_UNSUPPORTED, with a message that says how to
 * install it, otherwise. */
ANVIL_API anvil_status anvil_mpi_available(void);
/* MPI_Init_thread; a no-op once initialised. ANVIL_ERR_UNSUPPORTED: Open MPI is missing, the
 * process was not started by mpirun, MPI was finalised, or it lacks MPI_THREAD_SERIALIZED. */
ANVIL_API anvil_status anvil_mpi_init(void);
/* This process's rank in MPI_COMM_WORLD, and its size; after anvil_mpi_init. */
ANVIL_API anvil_status anvil_mpi_rank(int32_t* out);
ANVIL_API anvil_status anvil_mpi_size(int32_t* out);
/* In place: the n floats of data become their element-wise sum over the ranks, on every rank. */
ANVIL_API anvil_status anvil_mpi_allreduce_sum(float* data, int64_t n, int64_t timeout_ms);
/* The bytes of rank root are copied into data on every other rank. */
ANVIL_API anvil_status anvil_mpi_bcast(void* data, int64_t bytes, int32_t root, int64_t timeout_ms);
ANVIL_API anvil_status anvil_mpi_barrier(int64_t timeout_ms);
/* Every rank gives the same number of bytes (below 2^31); all receives size * bytes, those of rank r
 * at offset r * bytes. */
ANVIL_API anvil_status anvil_mpi_allgather(const void* mine, int64_t bytes, void* all, int64_t timeout_ms);
/* MPI_Finalize; a no-op when MPI is not initialised or already finalised. Refused after a
 * timeout, since peers may still wait for this rank: abort instead. */
ANVIL_API anvil_status anvil_mpi_finalize(void);
/* MPI_Abort(MPI_COMM_WORLD, code): mpirun ends every process of the job, this one included. Returns
 * (ANVIL_ERR_UNSUPPORTED) only when MPI is not initialised. */
ANVIL_API anvil_status anvil_mpi_abort(int32_t code);

#ifdef __cplusplus
}
#endif

#endif /* ANVIL_H */
