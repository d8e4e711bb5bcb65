package dev.anvil.internal;

import dev.anvil.AnvilException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one place where Java calls into libanvil. Every call checks the returned status and turns
 * a failure into an {@link AnvilException} carrying the native message.
 *
 * <p>Callers (tensors, layers, optimizers) validate shapes and lifetimes before they get here;
 * the native library validates again. Compute calls share one process-wide context (its worker
 * threads and scratch memory) and are serialised on it, since a context serves one caller at a
 * time.
 *
 * <p>The calls go through one {@link Binding}, JNI or FFM, chosen at start by {@link Bindings}.
 *
 * <p>This is not public API: it may change in any release.
 */
public final class Native {
    /** ANVIL_ABI_VERSION of the anvil.h that the bindings were written against. */
    private static final int ABI_VERSION = 1;
    private static final int ANVIL_OK = 0;
    private static final Binding B = Bindings.select();
    private static final Object LOCK = new Object();
    private static long context;
    private static int threads;

    static {
        int abi = B.anvil_abi_version();
        if (abi != ABI_VERSION) {
            throw new UnsatisfiedLinkError("libanvil has ABI version " + abi + " but this binding needs "
                    + ABI_VERSION + ": the jar's native library and classes do not match");
        }
    }

    private Native() {}

    // ------------------------------------------------------------------ library

    /** The name of the binding in use: "jni" or "ffm". */
    public static String binding() {
        return B.name();
    }

    public static String version() {
        return B.anvil_version();
    }

    public static String cpuFeatures() {
        return B.anvil_cpu_features();
    }

    public static String gemmKernel() {
        return B.anvil_gemm_kernel();
    }

    public static long nativeLiveBytes() {
        return B.anvil_live_bytes();
    }

    /** Replaces the compute context by one with {@code n} threads ({@code n <= 0}: all CPUs). */
    public static void setThreads(int n) {
        synchronized (LOCK) {
            long[] out = new long[1];
            check(B.anvil_context_create(n, out), "anvil_context_create");
            if (context != 0) B.anvil_context_destroy(context);
            context = out[0];
            int[] t = new int[1];
            check(B.anvil_context_num_threads(context, t), "anvil_context_num_threads");
            threads = t[0];
        }
    }

    public static int threads() {
        synchronized (LOCK) {
            ctx();
            return threads;
        }
    }

    public static long workspaceBytes() {
        synchronized (LOCK) {
            long[] out = new long[1];
            check(B.anvil_context_workspace_bytes(ctx(), out), "anvil_context_workspace_bytes");
            return out[0];
        }
    }

    /** The context; callers hold LOCK. Created on first use with the default thread count. */
    private static long ctx() {
        if (context == 0) {
            String prop = System.getProperty("anvil.threads", System.getenv("ANVIL_NUM_THREADS"));
            setThreads(prop == null || prop.isBlank() ? 0 : Integer.parseInt(prop.trim()));
        }
        return context;
    }

    static void check(int status, String op) {
        if (status != ANVIL_OK) {
            String message = B.anvil_last_error();
            throw new AnvilException(AnvilException.Status.of(status),
                    message == null || message.isEmpty() ? op + " failed with status " + status : message);
        }
    }

    // ------------------------------------------------------------------ CUDA devices

    /** Why CUDA cannot be used in this process, or null if it can. */
    public static String cudaUnavailableReason() {
        int status = B.anvil_cuda_available();
        if (status == ANVIL_OK) return null;
        String message = B.anvil_last_error();
        return message == null || message.isEmpty() ? "anvil_cuda_available failed with status " + status : message;
    }

    /** Number of visible CUDA devices (0 where CUDA is not usable). */
    public static int cudaDeviceCount() {
        int[] out = new int[1];
        check(B.anvil_cuda_device_count(out), "anvil_cuda_device_count");
        return out[0];
    }

    /** Name, compute capability, memory and driver/runtime versions of CUDA device {@code device}. */
    public static CudaDeviceProps cudaDeviceProps(int device) {
        CudaDeviceProps out = new CudaDeviceProps();
        check(B.anvil_cuda_device_props_get(device, out), "anvil_cuda_device_props_get");
        return out;
    }

    // ------------------------------------------------------------------ memory

    public static long malloc(long bytes) {
        long[] out = new long[1];
        check(B.anvil_malloc(bytes, out), "anvil_malloc");
        return out[0];
    }

    public static void free(long address) {
        check(B.anvil_free(address), "anvil_free");
    }

    /** A little-endian-native direct buffer over native memory; valid while the memory is. */
    public static ByteBuffer view(long address, long bytes) {
        return B.view(address, bytes).order(ByteOrder.nativeOrder());
    }

    // ------------------------------------------------------------------ elementwise

    public static void fill(long n, float value, long y) {
        synchronized (LOCK) {
            check(B.anvil_fill(ctx(), n, value, y), "anvil_fill");
        }
    }

    public static void copy(long n, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_copy(ctx(), n, x, y), "anvil_copy");
        }
    }

    public static void scale(long n, float alpha, long x) {
        synchronized (LOCK) {
            check(B.anvil_scale(ctx(), n, alpha, x), "anvil_scale");
        }
    }

    public static void axpy(long n, float alpha, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_axpy(ctx(), n, alpha, x, y), "anvil_axpy");
        }
    }

    // ------------------------------------------------------------------ conv2d

    public static long[] conv2dOutputSize(Conv2dDesc d) {
        long[] h = new long[1], w = new long[1];
        check(B.anvil_conv2d_output_size(d, h, w), "anvil_conv2d_output_size");
        return new long[] {h[0], w[0]};
    }

    public static void conv2dForward(Conv2dDesc d, long x, long w, long bias, long y) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_forward(ctx(), d, x, w, bias, y), "anvil_conv2d_forward");
        }
    }

    public static void conv2dBackwardData(Conv2dDesc d, long dy, long w, long dx) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_backward_data(ctx(), d, dy, w, dx), "anvil_conv2d_backward_data");
        }
    }

    public static void conv2dBackwardWeight(Conv2dDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_backward_weight(ctx(), d, x, dy, dw, db, accumulate ? 1 : 0),
                    "anvil_conv2d_backward_weight");
        }
    }

    // ------------------------------------------------------------------ pool2d

    public static long[] pool2dOutputSize(Pool2dDesc d) {
        long[] h = new long[1], w = new long[1];
        check(B.anvil_pool2d_output_size(d, h, w), "anvil_pool2d_output_size");
        return new long[] {h[0], w[0]};
    }

    public static void maxPool2dForward(Pool2dDesc d, long x, long y, long argmax) {
        synchronized (LOCK) {
            check(B.anvil_maxpool2d_forward(ctx(), d, x, y, argmax), "anvil_maxpool2d_forward");
        }
    }

    public static void maxPool2dBackward(Pool2dDesc d, long dy, long argmax, long dx) {
        synchronized (LOCK) {
            check(B.anvil_maxpool2d_backward(ctx(), d, dy, argmax, dx), "anvil_maxpool2d_backward");
        }
    }

    public static void avgPool2dForward(Pool2dDesc d, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_avgpool2d_forward(ctx(), d, x, y), "anvil_avgpool2d_forward");
        }
    }

    public static void avgPool2dBackward(Pool2dDesc d, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_avgpool2d_backward(ctx(), d, dy, dx), "anvil_avgpool2d_backward");
        }
    }

    // ------------------------------------------------------------------ linear

    public static void linearForward(LinearDesc d, long x, long w, long bias, long y) {
        synchronized (LOCK) {
            check(B.anvil_linear_forward(ctx(), d, x, w, bias, y), "anvil_linear_forward");
        }
    }

    public static void linearBackwardData(LinearDesc d, long dy, long w, long dx) {
        synchronized (LOCK) {
            check(B.anvil_linear_backward_data(ctx(), d, dy, w, dx), "anvil_linear_backward_data");
        }
    }

    public static void linearBackwardWeight(LinearDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        synchronized (LOCK) {
            check(B.anvil_linear_backward_weight(ctx(), d, x, dy, dw, db, accumulate ? 1 : 0),
                    "anvil_linear_backward_weight");
        }
    }

    // ------------------------------------------------------------------ activation

    public static void reluForward(long n, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_relu_forward(ctx(), n, x, y), "anvil_relu_forward");
        }
    }

    public static void reluBackward(long n, long y, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_relu_backward(ctx(), n, y, dy, dx), "anvil_relu_backward");
        }
    }

    public static void dropoutForward(long n, float p, long seed, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_dropout_forward(ctx(), n, p, seed, x, y), "anvil_dropout_forward");
        }
    }

    public static void dropoutBackward(long n, float p, long seed, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_dropout_backward(ctx(), n, p, seed, dy, dx), "anvil_dropout_backward");
        }
    }

    // ------------------------------------------------------------------ loss

    public static float softmaxCrossEntropyForward(long batch, long classes, long logits, long labels) {
        float[] loss = new float[1];
        synchronized (LOCK) {
            check(B.anvil_softmax_cross_entropy_forward(ctx(), batch, classes, logits, labels, loss),
                    "anvil_softmax_cross_entropy_forward");
        }
        return loss[0];
    }

    public static void softmaxCrossEntropyBackward(long batch, long classes, long logits, long labels, float scale,
            long dlogits) {
        synchronized (LOCK) {
            check(B.anvil_softmax_cross_entropy_backward(ctx(), batch, classes, logits, labels, scale, dlogits),
                    "anvil_softmax_cross_entropy_backward");
        }
    }

    public static void argmax(long batch, long classes, long logits, long predictions) {
        synchronized (LOCK) {
            check(B.anvil_argmax(ctx(), batch, classes, logits, predictions), "anvil_argmax");
        }
    }

    // ------------------------------------------------------------------ optimizers

    public static void sgdStep(SgdDesc d, long step, long n, long param, long grad, long velocity) {
        synchronized (LOCK) {
            check(B.anvil_sgd_step(ctx(), d, step, n, param, grad, velocity), "anvil_sgd_step");
        }
    }

    public static void adamStep(AdamDesc d, long step, long n, long param, long grad, long m, long v) {
        synchronized (LOCK) {
            check(B.anvil_adam_step(ctx(), d, step, n, param, grad, m, v), "anvil_adam_step");
        }
    }

    // ------------------------------------------------------------------ plug-ins

    /** Loads a plug-in library; returns its handle. */
    public static long pluginLoad(String path) {
        long[] out = new long[1];
        check(B.anvil_plugin_load(path, out), "anvil_plugin_load");
        return out[0];
    }

    public static void pluginUnload(long plugin) {
        check(B.anvil_plugin_unload(plugin), "anvil_plugin_unload");
    }

    public static String pluginName(long plugin) {
        String[] out = new String[1];
        check(B.anvil_plugin_name(plugin, out), "anvil_plugin_name");
        return out[0];
    }

    public static int pluginOpCount(long plugin) {
        int[] out = new int[1];
        check(B.anvil_plugin_op_count(plugin, out), "anvil_plugin_op_count");
        return out[0];
    }

    public static int pluginOpFind(long plugin, String name) {
        int[] out = new int[1];
        check(B.anvil_plugin_op_find(plugin, name, out), "anvil_plugin_op_find");
        return out[0];
    }

    public static String pluginOpName(long plugin, int op) {
        String[] out = new String[1];
        check(B.anvil_plugin_op_name(plugin, op, out), "anvil_plugin_op_name");
        return out[0];
    }

    public static String pluginOpDescription(long plugin, int op) {
        String[] out = new String[1];
        check(B.anvil_plugin_op_description(plugin, op, out), "anvil_plugin_op_description");
        return out[0];
    }

    public static int pluginOpNumParams(long plugin, int op) {
        int[] out = new int[1];
        check(B.anvil_plugin_op_num_params(plugin, op, out), "anvil_plugin_op_num_params");
        return out[0];
    }

    /** The output shape of the op for an input of {@code shape} (validated by the plug-in). */
    public static long[] pluginOpOutputShape(long plugin, int op, long[] shape, float[] params) {
        long[] dims = new long[8];
        int[] rank = new int[1];
        check(B.anvil_plugin_op_output_shape(plugin, op, shape, shape.length, params, params.length, dims, rank),
                "anvil_plugin_op_output_shape");
        return java.util.Arrays.copyOf(dims, rank[0]);
    }

    public static void pluginOpForward(long plugin, int op, long[] shape, float[] params, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_plugin_op_forward(ctx(), plugin, op, shape, shape.length, params, params.length, x, y),
                    "anvil_plugin_op_forward");
        }
    }

    public static void pluginOpBackward(long plugin, int op, long[] shape, float[] params, long x, long y, long dy,
            long dx) {
        synchronized (LOCK) {
            check(B.anvil_plugin_op_backward(ctx(), plugin, op, shape, shape.length, params, params.length, x, y, dy, dx),
                    "anvil_plugin_op_backward");
        }
    }

    // ------------------------------------------------------------------ MPI
    // Not serialised on LOCK: the MPI process group calls these from its one worker thread, and a
    // collective may wait for its peers up to its timeout without holding up the compute calls.

    /** Throws {@link AnvilException} (UNSUPPORTED), saying how to install Open MPI, when it cannot be loaded. */
    public static void mpiAvailable() {
        check(B.anvil_mpi_available(), "anvil_mpi_available");
    }

    public static void mpiInit() {
        check(B.anvil_mpi_init(), "anvil_mpi_init");
    }

    public static int mpiRank() {
        int[] out = new int[1];
        check(B.anvil_mpi_rank(out), "anvil_mpi_rank");
        return out[0];
    }

    public static int mpiSize() {
        int[] out = new int[1];
        check(B.anvil_mpi_size(out), "anvil_mpi_size");
        return out[0];
    }

    public static void mpiAllReduceSum(long data, long n, long timeoutMs) {
        check(B.anvil_mpi_allreduce_sum(data, n, timeoutMs), "anvil_mpi_allreduce_sum");
    }

    public static void mpiBroadcast(long data, long bytes, int root, long timeoutMs) {
        check(B.anvil_mpi_bcast(data, bytes, root, timeoutMs), "anvil_mpi_bcast");
    }

    public static void mpiBarrier(long timeoutMs) {
        check(B.anvil_mpi_barrier(timeoutMs), "anvil_mpi_barrier");
    }

    public static void mpiAllGather(long mine, long bytes, long all, long timeoutMs) {
        check(B.anvil_mpi_allgather(mine, bytes, all, timeoutMs), "anvil_mpi_allgather");
    }

    public static void mpiFinalize() {
        check(B.anvil_mpi_finalize(), "anvil_mpi_finalize");
    }

    /** Ends every process of the MPI job, this one included. */
    public static void mpiAbort(int code) {
        check(B.anvil_mpi_abort(code), "anvil_mpi_abort");
    }
}
