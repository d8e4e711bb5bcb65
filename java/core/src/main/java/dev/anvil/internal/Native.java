package dev.anvil.internal;

import dev.anvil.AnvilException;
import dev.anvil.Device;
import java.util.HashMap;
import java.util.Map;
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
    private static final int ABI_VERSION = 2;
    private static final int ANVIL_OK = 0;
    private static final Binding B = Bindings.select();
    private static final Object LOCK = new Object();
    /** Serialises the copy contexts, which only the data loaders' threads use. */
    private static final Object COPY_LOCK = new Object();
    private static long cpuContext;
    private static int threads;
    private static final Map<Integer, Long> computeContexts = new HashMap<>();
    private static final Map<Integer, Long> copyContexts = new HashMap<>();

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

    /** Replaces the CPU compute context by one with {@code n} threads ({@code n <= 0}: all CPUs). */
    public static void setThreads(int n) {
        synchronized (LOCK) {
            long[] out = new long[1];
            check(B.anvil_context_create(n, out), "anvil_context_create");
            if (cpuContext != 0) B.anvil_context_destroy(cpuContext);
            cpuContext = out[0];
            int[] t = new int[1];
            check(B.anvil_context_num_threads(cpuContext, t), "anvil_context_num_threads");
            threads = t[0];
        }
    }

    public static int threads() {
        synchronized (LOCK) {
            cpuContext();
            return threads;
        }
    }

    public static long workspaceBytes() {
        synchronized (LOCK) {
            long[] out = new long[1];
            check(B.anvil_context_workspace_bytes(cpuContext(), out), "anvil_context_workspace_bytes");
            return out[0];
        }
    }

    /** The CPU context; callers hold LOCK. Created on first use with the default thread count. */
    private static long cpuContext() {
        if (cpuContext == 0) {
            String prop = System.getProperty("anvil.threads", System.getenv("ANVIL_NUM_THREADS"));
            setThreads(prop == null || prop.isBlank() ? 0 : Integer.parseInt(prop.trim()));
        }
        return cpuContext;
    }

    /**
     * The compute context of {@code dev}; callers hold LOCK. A CUDA device gets one context (one
     * stream, one caching allocator) on first use, kept for the life of the process.
     */
    private static long ctx(Device dev) {
        if (dev.type() == Device.Type.CPU) return cpuContext();
        return cudaContext(computeContexts, dev);
    }

    private static long cudaContext(Map<Integer, Long> contexts, Device dev) {
        Long c = contexts.get(dev.index());
        if (c == null) {
            long[] out = new long[1];
            check(B.anvil_context_create_cuda(dev.index(), out), "anvil_context_create_cuda");
            c = out[0];
            contexts.put(dev.index(), c);
        }
        return c;
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

    // ------------------------------------------------------------------ device memory

    /** Memory on {@code dev}: host memory for the CPU, device memory from the caching allocator for CUDA. */
    public static long malloc(Device dev, long bytes) {
        if (dev.type() == Device.Type.CPU) return malloc(bytes);
        long[] out = new long[1];
        synchronized (LOCK) {
            check(B.anvil_context_malloc(ctx(dev), bytes, out), "anvil_context_malloc");
        }
        return out[0];
    }

    public static void free(Device dev, long address) {
        if (dev.type() == Device.Type.CPU) {
            free(address);
            return;
        }
        synchronized (LOCK) {
            check(B.anvil_context_free(ctx(dev), address), "anvil_context_free");
        }
    }

    /** Page-locked host memory for fast copies to and from CUDA device {@code dev}. */
    public static long mallocPinned(Device dev, long bytes) {
        long[] out = new long[1];
        synchronized (LOCK) {
            check(B.anvil_host_alloc_pinned(ctx(dev), bytes, out), "anvil_host_alloc_pinned");
        }
        return out[0];
    }

    public static void freePinned(Device dev, long address) {
        synchronized (LOCK) {
            check(B.anvil_host_free_pinned(ctx(dev), address), "anvil_host_free_pinned");
        }
    }

    /**
     * Copies {@code bytes} from {@code src} on device {@code from} to {@code dst} on device
     * {@code to}, in order with the compute work of the CUDA device involved; a copy to the host
     * returns when the data has arrived. Copies between two different GPUs go through the host.
     */
    public static void memcpy(Device to, long dst, Device from, long src, long bytes) {
        boolean toCuda = to.type() == Device.Type.CUDA, fromCuda = from.type() == Device.Type.CUDA;
        if (toCuda && fromCuda && to.index() != from.index()) {
            long host = malloc(bytes);
            try {
                memcpy(Device.cpu(), host, from, src, bytes);
                memcpy(to, dst, Device.cpu(), host, bytes);
            } finally {
                free(host);
            }
            return;
        }
        int kind = (fromCuda ? 2 : 0) + (toCuda ? 1 : 0);
        synchronized (LOCK) {
            check(B.anvil_memcpy(ctx(toCuda ? to : from), dst, src, bytes, kind), "anvil_memcpy");
        }
    }

    /**
     * Copies host memory (best pinned) to CUDA device {@code to} on a second stream of that device,
     * so that the copy overlaps the compute work, and returns when the data has arrived. For data
     * loaders: the destination must not be in use by queued compute work.
     */
    public static void copyToDeviceAside(Device to, long dst, long src, long bytes) {
        synchronized (COPY_LOCK) {
            long c;
            synchronized (LOCK) {
                c = cudaContext(copyContexts, to);
            }
            check(B.anvil_memcpy(c, dst, src, bytes, 1), "anvil_memcpy");
            check(B.anvil_context_synchronize(c), "anvil_context_synchronize");
        }
    }

    /**
     * Waits for the queued work of {@code dev} (nothing to wait for on the CPU) and reports an
     * asynchronous error of that work.
     */
    public static void synchronize(Device dev) {
        if (dev.type() == Device.Type.CPU) return;
        synchronized (LOCK) {
            check(B.anvil_context_synchronize(ctx(dev)), "anvil_context_synchronize");
        }
    }

    /**
     * Whether {@code dev} has finished the work queued on it, without waiting (always true for the
     * CPU); reports an asynchronous error of that work.
     */
    public static boolean isIdle(Device dev) {
        if (dev.type() == Device.Type.CPU) return true;
        int[] done = new int[1];
        synchronized (LOCK) {
            check(B.anvil_context_query(ctx(dev), done), "anvil_context_query");
        }
        return done[0] != 0;
    }

    /**
     * The CUDA stream (a cudaStream_t address) on which the ops of CUDA device {@code dev} run,
     * for libraries such as NCCL whose work must be ordered with them.
     */
    public static long cudaStream(Device dev) {
        long[] out = new long[1];
        synchronized (LOCK) {
            check(B.anvil_context_cuda_stream(ctx(dev), out), "anvil_context_cuda_stream");
        }
        return out[0];
    }

    /** The caching allocator's statistics of CUDA device {@code dev}. */
    public static AllocatorStats allocatorStats(Device dev) {
        AllocatorStats out = new AllocatorStats();
        synchronized (LOCK) {
            check(B.anvil_context_allocator_stats(ctx(dev), out), "anvil_context_allocator_stats");
        }
        return out;
    }

    /** Returns the cached, unused blocks of CUDA device {@code dev} to the driver. */
    public static void emptyCache(Device dev) {
        synchronized (LOCK) {
            check(B.anvil_context_empty_cache(ctx(dev)), "anvil_context_empty_cache");
        }
    }

    // ------------------------------------------------------------------ elementwise

    public static void fill(Device dev, long n, float value, long y) {
        synchronized (LOCK) {
            check(B.anvil_fill(ctx(dev), n, value, y), "anvil_fill");
        }
    }

    public static void copy(Device dev, long n, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_copy(ctx(dev), n, x, y), "anvil_copy");
        }
    }

    public static void scale(Device dev, long n, float alpha, long x) {
        synchronized (LOCK) {
            check(B.anvil_scale(ctx(dev), n, alpha, x), "anvil_scale");
        }
    }

    public static void axpy(Device dev, long n, float alpha, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_axpy(ctx(dev), n, alpha, x, y), "anvil_axpy");
        }
    }

    // ------------------------------------------------------------------ conv2d

    public static long[] conv2dOutputSize(Conv2dDesc d) {
        long[] h = new long[1], w = new long[1];
        check(B.anvil_conv2d_output_size(d, h, w), "anvil_conv2d_output_size");
        return new long[] {h[0], w[0]};
    }

    public static void conv2dForward(Device dev, Conv2dDesc d, long x, long w, long bias, long y) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_forward(ctx(dev), d, x, w, bias, y), "anvil_conv2d_forward");
        }
    }

    public static void conv2dBackwardData(Device dev, Conv2dDesc d, long dy, long w, long dx) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_backward_data(ctx(dev), d, dy, w, dx), "anvil_conv2d_backward_data");
        }
    }

    public static void conv2dBackwardWeight(Device dev, Conv2dDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        synchronized (LOCK) {
            check(B.anvil_conv2d_backward_weight(ctx(dev), d, x, dy, dw, db, accumulate ? 1 : 0),
                    "anvil_conv2d_backward_weight");
        }
    }

    // ------------------------------------------------------------------ pool2d

    public static long[] pool2dOutputSize(Pool2dDesc d) {
        long[] h = new long[1], w = new long[1];
        check(B.anvil_pool2d_output_size(d, h, w), "anvil_pool2d_output_size");
        return new long[] {h[0], w[0]};
    }

    /** Bytes of one max-pool argmax element: 1 for windows of up to 256 elements, else 4. */
    public static long maxPool2dIndexBytes(Pool2dDesc d) {
        long[] out = new long[1];
        check(B.anvil_maxpool2d_index_bytes(d, out), "anvil_maxpool2d_index_bytes");
        return out[0];
    }

    public static void maxPool2dForward(Device dev, Pool2dDesc d, long x, long y, long argmax) {
        synchronized (LOCK) {
            check(B.anvil_maxpool2d_forward(ctx(dev), d, x, y, argmax), "anvil_maxpool2d_forward");
        }
    }

    public static void maxPool2dBackward(Device dev, Pool2dDesc d, long dy, long argmax, long dx) {
        synchronized (LOCK) {
            check(B.anvil_maxpool2d_backward(ctx(dev), d, dy, argmax, dx), "anvil_maxpool2d_backward");
        }
    }

    public static void avgPool2dForward(Device dev, Pool2dDesc d, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_avgpool2d_forward(ctx(dev), d, x, y), "anvil_avgpool2d_forward");
        }
    }

    public static void avgPool2dBackward(Device dev, Pool2dDesc d, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_avgpool2d_backward(ctx(dev), d, dy, dx), "anvil_avgpool2d_backward");
        }
    }

    // ------------------------------------------------------------------ linear

    public static void linearForward(Device dev, LinearDesc d, long x, long w, long bias, long y) {
        synchronized (LOCK) {
            check(B.anvil_linear_forward(ctx(dev), d, x, w, bias, y), "anvil_linear_forward");
        }
    }

    public static void linearBackwardData(Device dev, LinearDesc d, long dy, long w, long dx) {
        synchronized (LOCK) {
            check(B.anvil_linear_backward_data(ctx(dev), d, dy, w, dx), "anvil_linear_backward_data");
        }
    }

    public static void linearBackwardWeight(Device dev, LinearDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        synchronized (LOCK) {
            check(B.anvil_linear_backward_weight(ctx(dev), d, x, dy, dw, db, accumulate ? 1 : 0),
                    "anvil_linear_backward_weight");
        }
    }

    // ------------------------------------------------------------------ activation

    public static void reluForward(Device dev, long n, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_relu_forward(ctx(dev), n, x, y), "anvil_relu_forward");
        }
    }

    public static void reluBackward(Device dev, long n, long y, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_relu_backward(ctx(dev), n, y, dy, dx), "anvil_relu_backward");
        }
    }

    public static void dropoutForward(Device dev, long n, float p, long seed, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_dropout_forward(ctx(dev), n, p, seed, x, y), "anvil_dropout_forward");
        }
    }

    public static void dropoutBackward(Device dev, long n, float p, long seed, long dy, long dx) {
        synchronized (LOCK) {
            check(B.anvil_dropout_backward(ctx(dev), n, p, seed, dy, dx), "anvil_dropout_backward");
        }
    }

    // ------------------------------------------------------------------ loss

    public static float softmaxCrossEntropyForward(Device dev, long batch, long classes, long logits, long labels) {
        float[] loss = new float[1];
        synchronized (LOCK) {
            check(B.anvil_softmax_cross_entropy_forward(ctx(dev), batch, classes, logits, labels, loss),
                    "anvil_softmax_cross_entropy_forward");
        }
        return loss[0];
    }

    public static void softmaxCrossEntropyBackward(Device dev, long batch, long classes, long logits, long labels, float scale,
            long dlogits) {
        synchronized (LOCK) {
            check(B.anvil_softmax_cross_entropy_backward(ctx(dev), batch, classes, logits, labels, scale, dlogits),
                    "anvil_softmax_cross_entropy_backward");
        }
    }

    public static void argmax(Device dev, long batch, long classes, long logits, long predictions) {
        synchronized (LOCK) {
            check(B.anvil_argmax(ctx(dev), batch, classes, logits, predictions), "anvil_argmax");
        }
    }

    // ------------------------------------------------------------------ optimizers

    public static void sgdStep(Device dev, SgdDesc d, long step, long n, long param, long grad, long velocity) {
        synchronized (LOCK) {
            check(B.anvil_sgd_step(ctx(dev), d, step, n, param, grad, velocity), "anvil_sgd_step");
        }
    }

    public static void adamStep(Device dev, AdamDesc d, long step, long n, long param, long grad, long m, long v) {
        synchronized (LOCK) {
            check(B.anvil_adam_step(ctx(dev), d, step, n, param, grad, m, v), "anvil_adam_step");
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

    public static void pluginOpForward(Device dev, long plugin, int op, long[] shape, float[] params, long x, long y) {
        synchronized (LOCK) {
            check(B.anvil_plugin_op_forward(ctx(dev), plugin, op, shape, shape.length, params, params.length, x, y),
                    "anvil_plugin_op_forward");
        }
    }

    public static void pluginOpBackward(Device dev, long plugin, int op, long[] shape, float[] params, long x, long y, long dy,
            long dx) {
        synchronized (LOCK) {
            check(B.anvil_plugin_op_backward(ctx(dev), plugin, op, shape, shape.length, params, params.length, x, y, dy, dx),
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
