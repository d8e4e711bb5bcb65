package dev.anvil.internal;

import dev.anvil.jni.AnvilLib;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * {@link Binding} through JavaCPP's JNI glue ({@link AnvilLib}); works on every JDK. Descriptors are
 * copied into JavaCPP structs that each thread allocates once and reuses.
 */
final class JniBinding implements Binding {
    /** One native struct of each descriptor type, per thread. */
    private static final class Structs {
        final AnvilLib.Conv2dDesc conv = new AnvilLib.Conv2dDesc();
        final AnvilLib.Pool2dDesc pool = new AnvilLib.Pool2dDesc();
        final AnvilLib.LinearDesc linear = new AnvilLib.LinearDesc();
        final AnvilLib.SgdDesc sgd = new AnvilLib.SgdDesc();
        final AnvilLib.AdamDesc adam = new AnvilLib.AdamDesc();
    }

    private final ThreadLocal<Structs> structs = ThreadLocal.withInitial(Structs::new);

    JniBinding() {
        AnvilLib.load();
    }

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public ByteBuffer view(long address, long bytes) {
        return AnvilLib.view(address, bytes);
    }

    private AnvilLib.Conv2dDesc conv(Conv2dDesc d) {
        return structs.get().conv.batch(d.batch()).in_channels(d.in_channels()).in_h(d.in_h()).in_w(d.in_w())
                .out_channels(d.out_channels()).kernel_h(d.kernel_h()).kernel_w(d.kernel_w()).stride_h(d.stride_h())
                .stride_w(d.stride_w()).pad_h(d.pad_h()).pad_w(d.pad_w()).dilation_h(d.dilation_h())
                .dilation_w(d.dilation_w()).groups(d.groups());
    }

    private AnvilLib.Pool2dDesc pool(Pool2dDesc d) {
        return structs.get().pool.batch(d.batch()).channels(d.channels()).in_h(d.in_h()).in_w(d.in_w())
                .kernel_h(d.kernel_h()).kernel_w(d.kernel_w()).stride_h(d.stride_h()).stride_w(d.stride_w())
                .pad_h(d.pad_h()).pad_w(d.pad_w()).count_include_pad(d.count_include_pad()).reserved(d.reserved());
    }

    private AnvilLib.LinearDesc linear(LinearDesc d) {
        return structs.get().linear.batch(d.batch()).in_features(d.in_features()).out_features(d.out_features());
    }

    private AnvilLib.SgdDesc sgd(SgdDesc d) {
        return structs.get().sgd.lr(d.lr()).momentum(d.momentum()).dampening(d.dampening())
                .weight_decay(d.weight_decay()).nesterov(d.nesterov()).reserved(d.reserved());
    }

    private AnvilLib.AdamDesc adam(AdamDesc d) {
        return structs.get().adam.lr(d.lr()).beta1(d.beta1()).beta2(d.beta2()).eps(d.eps())
                .weight_decay(d.weight_decay()).decoupled(d.decoupled());
    }

    // ------------------------------------------------------------------ library

    @Override
    public String anvil_version() {
        return AnvilLib.anvil_version();
    }

    @Override
    public int anvil_abi_version() {
        return AnvilLib.anvil_abi_version();
    }

    @Override
    public String anvil_last_error() {
        return AnvilLib.anvil_last_error();
    }

    @Override
    public String anvil_cpu_features() {
        return AnvilLib.anvil_cpu_features();
    }

    @Override
    public String anvil_gemm_kernel() {
        return AnvilLib.anvil_gemm_kernel();
    }

    // ------------------------------------------------------------------ context

    @Override
    public int anvil_context_create(int numThreads, long[] out) {
        return AnvilLib.anvil_context_create(numThreads, out);
    }

    @Override
    public int anvil_context_destroy(long ctx) {
        return AnvilLib.anvil_context_destroy(ctx);
    }

    @Override
    public int anvil_context_num_threads(long ctx, int[] out) {
        return AnvilLib.anvil_context_num_threads(ctx, out);
    }

    @Override
    public int anvil_context_workspace_bytes(long ctx, long[] out) {
        return AnvilLib.anvil_context_workspace_bytes(ctx, out);
    }

    // ------------------------------------------------------------------ CUDA devices

    @Override
    public int anvil_cuda_available() {
        return AnvilLib.anvil_cuda_available();
    }

    @Override
    public int anvil_cuda_device_count(int[] out) {
        return AnvilLib.anvil_cuda_device_count(out);
    }

    @Override
    public int anvil_cuda_device_props_get(int device, CudaDeviceProps out) {
        try (AnvilLib.CudaDeviceProps p = new AnvilLib.CudaDeviceProps()) {
            int status = AnvilLib.anvil_cuda_device_props_get(device, p);
            if (status == AnvilLib.ANVIL_OK) {
                out.set(p.name().getString(), p.total_memory(), p.major(), p.minor(), p.multiprocessors(), p.driver_version(),
                        p.runtime_version(), p.reserved());
            }
            return status;
        }
    }

    @Override
    public int anvil_context_create_cuda(int device, long[] out) {
        return AnvilLib.anvil_context_create_cuda(device, out);
    }

    @Override
    public int anvil_context_device(long ctx, int[] deviceType, int[] deviceIndex) {
        return AnvilLib.anvil_context_device(ctx, deviceType, deviceIndex);
    }

    @Override
    public int anvil_context_synchronize(long ctx) {
        return AnvilLib.anvil_context_synchronize(ctx);
    }

    @Override
    public int anvil_context_query(long ctx, int[] done) {
        return AnvilLib.anvil_context_query(ctx, done);
    }

    @Override
    public int anvil_context_cuda_stream(long ctx, long[] out) {
        return AnvilLib.anvil_context_cuda_stream(ctx, out);
    }

    @Override
    public int anvil_context_malloc(long ctx, long bytes, long[] out) {
        return AnvilLib.anvil_context_malloc(ctx, bytes, out);
    }

    @Override
    public int anvil_context_free(long ctx, long ptr) {
        return AnvilLib.anvil_context_free(ctx, ptr);
    }

    @Override
    public int anvil_context_allocator_stats(long ctx, AllocatorStats out) {
        try (AnvilLib.AllocatorStats s = new AnvilLib.AllocatorStats()) {
            int status = AnvilLib.anvil_context_allocator_stats(ctx, s);
            if (status == AnvilLib.ANVIL_OK) {
                out.set(s.allocated(), s.reserved(), s.peak_allocated(), s.allocations(), s.cache_hits());
            }
            return status;
        }
    }

    @Override
    public int anvil_context_empty_cache(long ctx) {
        return AnvilLib.anvil_context_empty_cache(ctx);
    }

    @Override
    public int anvil_memcpy(long ctx, long dst, long src, long bytes, int kind) {
        return AnvilLib.anvil_memcpy(ctx, dst, src, bytes, kind);
    }

    @Override
    public int anvil_host_alloc_pinned(long ctx, long bytes, long[] out) {
        return AnvilLib.anvil_host_alloc_pinned(ctx, bytes, out);
    }

    @Override
    public int anvil_host_free_pinned(long ctx, long ptr) {
        return AnvilLib.anvil_host_free_pinned(ctx, ptr);
    }

    // ------------------------------------------------------------------ memory

    @Override
    public int anvil_malloc(long bytes, long[] out) {
        return AnvilLib.anvil_malloc(bytes, out);
    }

    @Override
    public int anvil_free(long ptr) {
        return AnvilLib.anvil_free(ptr);
    }

    @Override
    public long anvil_live_bytes() {
        return AnvilLib.anvil_live_bytes();
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public int anvil_fill(long ctx, long n, float value, long y) {
        return AnvilLib.anvil_fill(ctx, n, value, y);
    }

    @Override
    public int anvil_copy(long ctx, long n, long x, long y) {
        return AnvilLib.anvil_copy(ctx, n, x, y);
    }

    @Override
    public int anvil_scale(long ctx, long n, float alpha, long x) {
        return AnvilLib.anvil_scale(ctx, n, alpha, x);
    }

    @Override
    public int anvil_axpy(long ctx, long n, float alpha, long x, long y) {
        return AnvilLib.anvil_axpy(ctx, n, alpha, x, y);
    }

    // ------------------------------------------------------------------ conv2d

    @Override
    public int anvil_conv2d_output_size(Conv2dDesc d, long[] outH, long[] outW) {
        return AnvilLib.anvil_conv2d_output_size(conv(d), outH, outW);
    }

    @Override
    public int anvil_conv2d_forward(long ctx, Conv2dDesc d, long x, long w, long bias, long y) {
        return AnvilLib.anvil_conv2d_forward(ctx, conv(d), x, w, bias, y);
    }

    @Override
    public int anvil_conv2d_backward_data(long ctx, Conv2dDesc d, long dy, long w, long dx) {
        return AnvilLib.anvil_conv2d_backward_data(ctx, conv(d), dy, w, dx);
    }

    @Override
    public int anvil_conv2d_backward_weight(long ctx, Conv2dDesc d, long x, long dy, long dw, long db, int accumulate) {
        return AnvilLib.anvil_conv2d_backward_weight(ctx, conv(d), x, dy, dw, db, accumulate);
    }

    // ------------------------------------------------------------------ pool2d

    @Override
    public int anvil_pool2d_output_size(Pool2dDesc d, long[] outH, long[] outW) {
        return AnvilLib.anvil_pool2d_output_size(pool(d), outH, outW);
    }

    @Override
    public int anvil_maxpool2d_index_bytes(Pool2dDesc d, long[] out) {
        return AnvilLib.anvil_maxpool2d_index_bytes(pool(d), out);
    }

    @Override
    public int anvil_maxpool2d_forward(long ctx, Pool2dDesc d, long x, long y, long argmax) {
        return AnvilLib.anvil_maxpool2d_forward(ctx, pool(d), x, y, argmax);
    }

    @Override
    public int anvil_maxpool2d_backward(long ctx, Pool2dDesc d, long dy, long argmax, long dx) {
        return AnvilLib.anvil_maxpool2d_backward(ctx, pool(d), dy, argmax, dx);
    }

    @Override
    public int anvil_avgpool2d_forward(long ctx, Pool2dDesc d, long x, long y) {
        return AnvilLib.anvil_avgpool2d_forward(ctx, pool(d), x, y);
    }

    @Override
    public int anvil_avgpool2d_backward(long ctx, Pool2dDesc d, long dy, long dx) {
        return AnvilLib.anvil_avgpool2d_backward(ctx, pool(d), dy, dx);
    }

    // ------------------------------------------------------------------ linear

    @Override
    public int anvil_linear_forward(long ctx, LinearDesc d, long x, long w, long bias, long y) {
        return AnvilLib.anvil_linear_forward(ctx, linear(d), x, w, bias, y);
    }

    @Override
    public int anvil_linear_backward_data(long ctx, LinearDesc d, long dy, long w, long dx) {
        return AnvilLib.anvil_linear_backward_data(ctx, linear(d), dy, w, dx);
    }

    @Override
    public int anvil_linear_backward_weight(long ctx, LinearDesc d, long x, long dy, long dw, long db, int accumulate) {
        return AnvilLib.anvil_linear_backward_weight(ctx, linear(d), x, dy, dw, db, accumulate);
    }

    // ------------------------------------------------------------------ activation

    @Override
    public int anvil_relu_forward(long ctx, long n, long x, long y) {
        return AnvilLib.anvil_relu_forward(ctx, n, x, y);
    }

    @Override
    public int anvil_relu_backward(long ctx, long n, long y, long dy, long dx) {
        return AnvilLib.anvil_relu_backward(ctx, n, y, dy, dx);
    }

    @Override
    public int anvil_dropout_forward(long ctx, long n, float p, long seed, long x, long y) {
        return AnvilLib.anvil_dropout_forward(ctx, n, p, seed, x, y);
    }

    @Override
    public int anvil_dropout_backward(long ctx, long n, float p, long seed, long dy, long dx) {
        return AnvilLib.anvil_dropout_backward(ctx, n, p, seed, dy, dx);
    }

    // ------------------------------------------------------------------ loss

    @Override
    public int anvil_softmax_cross_entropy_forward(long ctx, long batch, long classes, long logits, long labels,
            float[] loss) {
        return AnvilLib.anvil_softmax_cross_entropy_forward(ctx, batch, classes, logits, labels, loss);
    }

    @Override
    public int anvil_softmax_cross_entropy_backward(long ctx, long batch, long classes, long logits, long labels,
            float scale, long dlogits) {
        return AnvilLib.anvil_softmax_cross_entropy_backward(ctx, batch, classes, logits, labels, scale, dlogits);
    }

    @Override
    public int anvil_argmax(long ctx, long batch, long classes, long logits, long predictions) {
        return AnvilLib.anvil_argmax(ctx, batch, classes, logits, predictions);
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public int anvil_sgd_step(long ctx, SgdDesc d, long step, long n, long param, long grad, long velocity) {
        return AnvilLib.anvil_sgd_step(ctx, sgd(d), step, n, param, grad, velocity);
    }

    @Override
    public int anvil_adam_step(long ctx, AdamDesc d, long step, long n, long param, long grad, long m, long v) {
        return AnvilLib.anvil_adam_step(ctx, adam(d), step, n, param, grad, m, v);
    }

    // ------------------------------------------------------------------ plug-ins

    @Override
    public int anvil_plugin_load(String path, long[] out) {
        return AnvilLib.anvil_plugin_load(path, out);
    }

    @Override
    public int anvil_plugin_unload(long plugin) {
        return AnvilLib.anvil_plugin_unload(plugin);
    }

    @Override
    public int anvil_plugin_name(long plugin, String[] out) {
        try (PointerPointer<?> p = new PointerPointer<>(1)) {
            int status = AnvilLib.anvil_plugin_name(plugin, p);
            out[0] = status == AnvilLib.ANVIL_OK ? p.getString(0) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_count(long plugin, int[] out) {
        return AnvilLib.anvil_plugin_op_count(plugin, out);
    }

    @Override
    public int anvil_plugin_op_find(long plugin, String name, int[] out) {
        return AnvilLib.anvil_plugin_op_find(plugin, name, out);
    }

    @Override
    public int anvil_plugin_op_name(long plugin, int op, String[] out) {
        try (PointerPointer<?> p = new PointerPointer<>(1)) {
            int status = AnvilLib.anvil_plugin_op_name(plugin, op, p);
            out[0] = status == AnvilLib.ANVIL_OK ? p.getString(0) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_description(long plugin, int op, String[] out) {
        try (PointerPointer<?> p = new PointerPointer<>(1)) {
            int status = AnvilLib.anvil_plugin_op_description(plugin, op, p);
            out[0] = status == AnvilLib.ANVIL_OK ? p.getString(0) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_num_params(long plugin, int op, int[] out) {
        return AnvilLib.anvil_plugin_op_num_params(plugin, op, out);
    }

    @Override
    public int anvil_plugin_op_output_shape(long plugin, int op, long[] shape, int rank, float[] params, int numParams,
            long[] outShape, int[] outRank) {
        return AnvilLib.anvil_plugin_op_output_shape(plugin, op, shape, rank, params, numParams, outShape, outRank);
    }

    @Override
    public int anvil_plugin_op_forward(long ctx, long plugin, int op, long[] shape, int rank, float[] params,
            int numParams, long x, long y) {
        return AnvilLib.anvil_plugin_op_forward(ctx, plugin, op, shape, rank, params, numParams, x, y);
    }

    @Override
    public int anvil_plugin_op_backward(long ctx, long plugin, int op, long[] shape, int rank, float[] params,
            int numParams, long x, long y, long dy, long dx) {
        return AnvilLib.anvil_plugin_op_backward(ctx, plugin, op, shape, rank, params, numParams, x, y, dy, dx);
    }

    // ------------------------------------------------------------------ MPI

    @Override
    public int anvil_mpi_available() {
        return AnvilLib.anvil_mpi_available();
    }

    @Override
    public int anvil_mpi_init() {
        return AnvilLib.anvil_mpi_init();
    }

    @Override
    public int anvil_mpi_rank(int[] out) {
        return AnvilLib.anvil_mpi_rank(out);
    }

    @Override
    public int anvil_mpi_size(int[] out) {
        return AnvilLib.anvil_mpi_size(out);
    }

    @Override
    public int anvil_mpi_allreduce_sum(long data, long n, long timeoutMs) {
        return AnvilLib.anvil_mpi_allreduce_sum(data, n, timeoutMs);
    }

    @Override
    public int anvil_mpi_bcast(long data, long bytes, int root, long timeoutMs) {
        return AnvilLib.anvil_mpi_bcast(data, bytes, root, timeoutMs);
    }

    @Override
    public int anvil_mpi_barrier(long timeoutMs) {
        return AnvilLib.anvil_mpi_barrier(timeoutMs);
    }

    @Override
    public int anvil_mpi_allgather(long mine, long bytes, long all, long timeoutMs) {
        return AnvilLib.anvil_mpi_allgather(mine, bytes, all, timeoutMs);
    }

    @Override
    public int anvil_mpi_finalize() {
        return AnvilLib.anvil_mpi_finalize();
    }

    @Override
    public int anvil_mpi_abort(int code) {
        return AnvilLib.anvil_mpi_abort(code);
    }
}
