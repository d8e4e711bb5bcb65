package dev.anvil.internal;

import java.nio.ByteBuffer;

/**
 * One way of calling libanvil: one method per function of {@code bindings/include/anvil.h}, named
 * like it and taking its arguments in the same order, raw and unchecked ({@link Native} checks the
 * statuses). Handles and data pointers are native addresses ({@code long}), output parameters are
 * one-element arrays, descriptor structs are the plain Java values of this package.
 *
 * <p>Implementations: {@link JniBinding} (JavaCPP, any JDK) and {@code FfmBinding} (java.lang.foreign,
 * JDK 22+, compiled from {@code src/main/java22} only there). {@link Native} picks one at start.
 *
 * <p>To add a function to {@code anvil.h} (the test {@code AbiDriftTest} lists what is missing where):
 * <ol>
 *   <li>JNI: declare it in {@code bindings/javacpp/.../AnvilLib.java} (a struct: a nested
 *       {@code Pointer} class like {@code AnvilLib.LinearDesc});</li>
 *   <li>FFM: run {@code bindings/jextract.sh} where jextract is installed, or add the function to
 *       {@code bindings/panama/.../anvil_h.java} by hand the way its neighbours are written (a struct:
 *       one class like {@code anvil_linear_desc});</li>
 *   <li>declare it here (a struct: a plain descriptor class like {@link LinearDesc}); the compiler
 *       then asks {@link JniBinding} and {@code FfmBinding} for one adapter method each;</li>
 *   <li>expose it, status checked, in {@link Native}.</li>
 * </ol>
 */
interface Binding {
    /** The name {@code -Danvil.binding} selects this binding by: "jni" or "ffm". */
    String name();

    /** A direct buffer over {@code bytes} bytes of native memory at {@code address} (no copy). */
    ByteBuffer view(long address, long bytes);

    // ------------------------------------------------------------------ library
    String anvil_version();

    int anvil_abi_version();

    String anvil_last_error();

    String anvil_cpu_features();

    String anvil_gemm_kernel();

    // ------------------------------------------------------------------ context
    int anvil_context_create(int numThreads, long[] out);

    int anvil_context_destroy(long ctx);

    int anvil_context_num_threads(long ctx, int[] out);

    int anvil_context_workspace_bytes(long ctx, long[] out);

    // ------------------------------------------------------------------ CUDA devices
    int anvil_cuda_available();

    int anvil_cuda_device_count(int[] out);

    int anvil_cuda_device_props_get(int device, CudaDeviceProps out);

    int anvil_context_create_cuda(int device, long[] out);

    int anvil_context_device(long ctx, int[] deviceType, int[] deviceIndex);

    int anvil_context_synchronize(long ctx);

    int anvil_context_query(long ctx, int[] done);

    int anvil_context_cuda_stream(long ctx, long[] out);

    int anvil_context_malloc(long ctx, long bytes, long[] out);

    int anvil_context_free(long ctx, long ptr);

    int anvil_context_allocator_stats(long ctx, AllocatorStats out);

    int anvil_context_empty_cache(long ctx);

    int anvil_memcpy(long ctx, long dst, long src, long bytes, int kind);

    int anvil_host_alloc_pinned(long ctx, long bytes, long[] out);

    int anvil_host_free_pinned(long ctx, long ptr);

    // ------------------------------------------------------------------ memory
    int anvil_malloc(long bytes, long[] out);

    int anvil_free(long ptr);

    long anvil_live_bytes();

    // ------------------------------------------------------------------ elementwise
    int anvil_fill(long ctx, long n, float value, long y);

    int anvil_copy(long ctx, long n, long x, long y);

    int anvil_scale(long ctx, long n, float alpha, long x);

    int anvil_axpy(long ctx, long n, float alpha, long x, long y);

    // ------------------------------------------------------------------ conv2d
    int anvil_conv2d_output_size(Conv2dDesc d, long[] outH, long[] outW);

    int anvil_conv2d_forward(long ctx, Conv2dDesc d, long x, long w, long bias, long y);

    int anvil_conv2d_backward_data(long ctx, Conv2dDesc d, long dy, long w, long dx);

    int anvil_conv2d_backward_weight(long ctx, Conv2dDesc d, long x, long dy, long dw, long db, int accumulate);

    // ------------------------------------------------------------------ pool2d
    int anvil_pool2d_output_size(Pool2dDesc d, long[] outH, long[] outW);

    int anvil_maxpool2d_index_bytes(Pool2dDesc d, long[] out);

    int anvil_maxpool2d_forward(long ctx, Pool2dDesc d, long x, long y, long argmax);

    int anvil_maxpool2d_backward(long ctx, Pool2dDesc d, long dy, long argmax, long dx);

    int anvil_avgpool2d_forward(long ctx, Pool2dDesc d, long x, long y);

    int anvil_avgpool2d_backward(long ctx, Pool2dDesc d, long dy, long dx);

    // ------------------------------------------------------------------ linear
    int anvil_linear_forward(long ctx, LinearDesc d, long x, long w, long bias, long y);

    int anvil_linear_backward_data(long ctx, LinearDesc d, long dy, long w, long dx);

    int anvil_linear_backward_weight(long ctx, LinearDesc d, long x, long dy, long dw, long db, int accumulate);

    // ------------------------------------------------------------------ activation
    int anvil_relu_forward(long ctx, long n, long x, long y);

    int anvil_relu_backward(long ctx, long n, long y, long dy, long dx);

    int anvil_dropout_forward(long ctx, long n, float p, long seed, long x, long y);

    int anvil_dropout_backward(long ctx, long n, float p, long seed, long dy, long dx);

    // ------------------------------------------------------------------ loss
    int anvil_softmax_cross_entropy_forward(long ctx, long batch, long classes, long logits, long labels, float[] loss);

    int anvil_softmax_cross_entropy_backward(long ctx, long batch, long classes, long logits, long labels, float scale,
            long dlogits);

    int anvil_argmax(long ctx, long batch, long classes, long logits, long predictions);

    // ------------------------------------------------------------------ optimizers
    int anvil_sgd_step(long ctx, SgdDesc d, long step, long n, long param, long grad, long velocity);

    int anvil_adam_step(long ctx, AdamDesc d, long step, long n, long param, long grad, long m, long v);

    // ------------------------------------------------------------------ plug-ins
    // Shapes and hyper-parameters (at most 8 dimensions, a few floats) travel as small arrays;
    // tensor data as addresses. Strings come back through one-element String arrays.
    int anvil_plugin_load(String path, long[] out);

    int anvil_plugin_unload(long plugin);

    int anvil_plugin_name(long plugin, String[] out);

    int anvil_plugin_op_count(long plugin, int[] out);

    int anvil_plugin_op_find(long plugin, String name, int[] out);

    int anvil_plugin_op_name(long plugin, int op, String[] out);

    int anvil_plugin_op_description(long plugin, int op, String[] out);

    int anvil_plugin_op_num_params(long plugin, int op, int[] out);

    int anvil_plugin_op_output_shape(long plugin, int op, long[] shape, int rank, float[] params, int numParams,
            long[] outShape, int[] outRank);

    int anvil_plugin_op_forward(long ctx, long plugin, int op, long[] shape, int rank, float[] params, int numParams,
            long x, long y);

    int anvil_plugin_op_backward(long ctx, long plugin, int op, long[] shape, int rank, float[] params, int numParams,
            long x, long y, long dy, long dx);

    // ------------------------------------------------------------------ MPI
    // Buffers travel as addresses; a collective may block for up to its timeout.
    int anvil_mpi_available();

    int anvil_mpi_init();

    int anvil_mpi_rank(int[] out);

    int anvil_mpi_size(int[] out);

    int anvil_mpi_allreduce_sum(long data, long n, long timeoutMs);

    int anvil_mpi_bcast(long data, long bytes, int root, long timeoutMs);

    int anvil_mpi_barrier(long timeoutMs);

    int anvil_mpi_allgather(long mine, long bytes, long all, long timeoutMs);

    int anvil_mpi_finalize();

    int anvil_mpi_abort(int code);
}
