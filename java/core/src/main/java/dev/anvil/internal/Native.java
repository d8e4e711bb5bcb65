package dev.anvil.internal;

import dev.anvil.AnvilException;
import dev.anvil.Device;
import dev.anvil.abi.Abi;
import dev.anvil.abi.AdamDesc;
import dev.anvil.abi.AllocatorStats;
import dev.anvil.abi.BatchnormDesc;
import dev.anvil.abi.Bindings;
import dev.anvil.abi.Conv2dDesc;
import dev.anvil.abi.CrossEntropyDesc;
import dev.anvil.abi.GroupnormDesc;
import dev.anvil.abi.CudaDeviceProps;
import dev.anvil.abi.LinearDesc;
import dev.anvil.abi.Pool2dDesc;
import dev.anvil.abi.SgdDesc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one place where Java calls into libanvil: one status-checked method per function of anvil.h
 * that Java uses. A failure becomes an {@link AnvilException} carrying the native message.
 *
 * <p>Callers (tensors, layers, optimizers) validate shapes and lifetimes before they get here; the
 * native library validates again. A context serves one call at a time (it holds its own lock while a
 * call runs), so ops on different contexts run at once: the CPU and each GPU have one, and a thread
 * may have a CPU context of its own ({@link #openThreadContext}).
 *
 * <p>Descriptors, output parameters and strings travel through a small direct buffer that each
 * thread allocates once, so that a call allocates nothing. The calls go through the binding that
 * {@link Bindings} selects (JNI or FFM), generated from anvil.h.
 *
 * <p>This is not public API: it may change in any release.
 */
public final class Native {
    private static final Abi A = Bindings.select();

    /** A thread's scratch memory: a descriptor, output slots, small arrays and strings. */
    private static final class Scratch {
        static final int DESC = 0, OUT = 512, ARRAYS = 1024, STRINGS = 4096, BYTES = 16384;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.nativeOrder());
        final long address = A.address(buffer);

        long out(int slot) {
            return address + OUT + 8L * slot;
        }

        long outLong(int slot) {
            return buffer.getLong(OUT + 8 * slot);
        }

        int outInt(int slot) {
            return buffer.getInt(OUT + 8 * slot);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** Contexts opened by {@link #openThreadContext}, innermost last, per thread. */
    private static final ThreadLocal<long[]> THREAD_CONTEXT = new ThreadLocal<>();
    private static final Map<Integer, Long> CUDA_CONTEXTS = new ConcurrentHashMap<>();
    private static final Map<Integer, Long> COPY_CONTEXTS = new ConcurrentHashMap<>();
    private static volatile long cpuContext;

    static {
        int abi = A.anvil_abi_version();
        if (abi != Abi.ABI_VERSION) {
            throw new UnsatisfiedLinkError("libanvil has ABI version " + abi + " but its bindings were generated for "
                    + Abi.ABI_VERSION + ": the jar's native library and classes do not match");
        }
        String isa = System.getProperty("anvil.cpu.isa");
        if (isa != null && !isa.isBlank()) cpuIsaLimit(isa.trim());
    }

    private Native() {}

    static void check(int status, String op) {
        if (status != Abi.ANVIL_OK) throw failure(status, op);
    }

    private static AnvilException failure(int status, String op) {
        String message = A.string(A.anvil_last_error());
        return new AnvilException(AnvilException.Status.of(status),
                message == null || message.isEmpty() ? op + " failed with status " + status : message);
    }

    // ------------------------------------------------------------------ library

    /** The name of the binding in use: "jni" or "ffm". */
    public static String binding() {
        return A.name();
    }

    public static String version() {
        return A.string(A.anvil_version());
    }

    public static String cpuFeatures() {
        return A.string(A.anvil_cpu_features());
    }

    /** Caps the CPU kernels' instruction set: portable, avx2, avx512 or avx512vbmi, before the first op. */
    public static void cpuIsaLimit(String level) {
        check(A.anvil_cpu_isa_limit(cString(SCRATCH.get(), level)), "anvil_cpu_isa_limit");
    }

    /** The CPU kernels' instruction-set level, then the variant of each op family, one per line. */
    public static String cpuDispatch() {
        return A.string(A.anvil_cpu_dispatch());
    }

    public static String gemmKernel() {
        return A.string(A.anvil_gemm_kernel());
    }

    public static long nativeLiveBytes() {
        return A.anvil_live_bytes();
    }

    // ------------------------------------------------------------------ contexts

    private static long createCpuContext(int threads) {
        Scratch s = SCRATCH.get();
        check(A.anvil_context_create(threads, s.out(0)), "anvil_context_create");
        return s.outLong(0);
    }

    /** The shared CPU context, created on first use with the default thread count. */
    private static long sharedCpuContext() {
        long c = cpuContext;
        if (c != 0) return c;
        synchronized (Native.class) {
            if (cpuContext == 0) {
                String prop = System.getProperty("anvil.threads", System.getenv("ANVIL_NUM_THREADS"));
                cpuContext = createCpuContext(prop == null || prop.isBlank() ? 0 : Integer.parseInt(prop.trim()));
            }
            return cpuContext;
        }
    }

    /** Sets the worker threads of the shared CPU context ({@code n <= 0}: all CPUs). */
    public static void setThreads(int n) {
        check(A.anvil_context_set_num_threads(sharedCpuContext(), n), "anvil_context_set_num_threads");
    }

    /** Worker threads of the CPU context that this thread's ops run on. */
    public static int threads() {
        Scratch s = SCRATCH.get();
        check(A.anvil_context_num_threads(ctx(Device.cpu()), s.out(0)), "anvil_context_num_threads");
        return s.outInt(0);
    }

    /**
     * Gives the calling thread a CPU context of its own with {@code n} worker threads: its CPU ops
     * run there, never waiting for other threads' ops, until {@link #closeThreadContext}. Contexts
     * nest; each is closed on its thread, innermost first.
     */
    public static long openThreadContext(int n) {
        long c = createCpuContext(n);
        long[] stack = THREAD_CONTEXT.get();
        long[] grown = stack == null ? new long[1] : Arrays.copyOf(stack, stack.length + 1);
        grown[grown.length - 1] = c;
        THREAD_CONTEXT.set(grown);
        return c;
    }

    public static void closeThreadContext(long context) {
        long[] stack = THREAD_CONTEXT.get();
        if (stack == null || stack[stack.length - 1] != context) {
            throw new IllegalStateException("this thread context belongs to another thread, or one opened after it is still open");
        }
        THREAD_CONTEXT.set(stack.length == 1 ? null : Arrays.copyOf(stack, stack.length - 1));
        check(A.anvil_context_destroy(context), "anvil_context_destroy");
    }

    /** The compute context of {@code dev} for this thread. */
    private static long ctx(Device dev) {
        if (dev.type() == Device.Type.CPU) {
            long[] own = THREAD_CONTEXT.get();
            return own != null ? own[own.length - 1] : sharedCpuContext();
        }
        return cuda(CUDA_CONTEXTS, dev);
    }

    private static long cuda(Map<Integer, Long> contexts, Device dev) {
        return contexts.computeIfAbsent(dev.index(), index -> {
            Scratch s = SCRATCH.get();
            check(A.anvil_context_create_cuda(index, s.out(0)), "anvil_context_create_cuda");
            return s.outLong(0);
        });
    }

    // ------------------------------------------------------------------ CUDA devices

    /** Why CUDA cannot be used in this process, or null if it can. */
    public static String cudaUnavailableReason() {
        int status = A.anvil_cuda_available();
        return status == Abi.ANVIL_OK ? null : failure(status, "anvil_cuda_available").getMessage();
    }

    /** Number of visible CUDA devices (0 where CUDA is not usable). */
    public static int cudaDeviceCount() {
        Scratch s = SCRATCH.get();
        check(A.anvil_cuda_device_count(s.out(0)), "anvil_cuda_device_count");
        return s.outInt(0);
    }

    /** Name, compute capability, memory and driver/runtime versions of CUDA device {@code device}. */
    public static CudaDeviceProps cudaDeviceProps(int device) {
        Scratch s = SCRATCH.get();
        check(A.anvil_cuda_device_props_get(device, s.address + Scratch.DESC), "anvil_cuda_device_props_get");
        return new CudaDeviceProps().read(s.buffer, Scratch.DESC);
    }

    // ------------------------------------------------------------------ memory

    public static long malloc(long bytes) {
        Scratch s = SCRATCH.get();
        check(A.anvil_malloc(bytes, s.out(0)), "anvil_malloc");
        return s.outLong(0);
    }

    public static void free(long address) {
        check(A.anvil_free(address), "anvil_free");
    }

    /** A native-order direct buffer over native memory (at most 2^31 - 1 bytes); valid while the memory is. */
    public static ByteBuffer view(long address, long bytes) {
        return A.view(address, Math.min(bytes, Integer.MAX_VALUE)).order(ByteOrder.nativeOrder());
    }

    /** Memory on {@code dev}: host memory for the CPU, device memory from the caching allocator for CUDA. */
    public static long malloc(Device dev, long bytes) {
        if (dev.type() == Device.Type.CPU) return malloc(bytes);
        Scratch s = SCRATCH.get();
        check(A.anvil_context_malloc(ctx(dev), bytes, s.out(0)), "anvil_context_malloc");
        return s.outLong(0);
    }

    public static void free(Device dev, long address) {
        if (dev.type() == Device.Type.CPU) {
            free(address);
            return;
        }
        check(A.anvil_context_free(ctx(dev), address), "anvil_context_free");
    }

    /** Page-locked host memory for fast copies to and from CUDA device {@code dev}. */
    public static long mallocPinned(Device dev, long bytes) {
        Scratch s = SCRATCH.get();
        check(A.anvil_host_alloc_pinned(ctx(dev), bytes, s.out(0)), "anvil_host_alloc_pinned");
        return s.outLong(0);
    }

    public static void freePinned(Device dev, long address) {
        check(A.anvil_host_free_pinned(ctx(dev), address), "anvil_host_free_pinned");
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
        check(A.anvil_memcpy(ctx(toCuda ? to : from), dst, src, bytes, kind), "anvil_memcpy");
    }

    /**
     * Copies host memory (best pinned) to CUDA device {@code to} on a second stream of that device,
     * so that the copy overlaps the compute work, and returns when the data has arrived. For data
     * loaders: the destination must not be in use by queued compute work.
     */
    public static void copyToDeviceAside(Device to, long dst, long src, long bytes) {
        long c = cuda(COPY_CONTEXTS, to);
        check(A.anvil_memcpy(c, dst, src, bytes, 1), "anvil_memcpy");
        check(A.anvil_context_synchronize(c), "anvil_context_synchronize");
    }

    /** Waits for the queued work of {@code dev} (none on the CPU) and reports an asynchronous error of it. */
    public static void synchronize(Device dev) {
        if (dev.type() == Device.Type.CPU) return;
        check(A.anvil_context_synchronize(ctx(dev)), "anvil_context_synchronize");
    }

    /** Whether {@code dev} has finished its queued work, without waiting (always for the CPU). */
    public static boolean isIdle(Device dev) {
        if (dev.type() == Device.Type.CPU) return true;
        Scratch s = SCRATCH.get();
        check(A.anvil_context_query(ctx(dev), s.out(0)), "anvil_context_query");
        return s.outInt(0) != 0;
    }

    /** The CUDA stream (a cudaStream_t address) on which the ops of CUDA device {@code dev} run. */
    public static long cudaStream(Device dev) {
        Scratch s = SCRATCH.get();
        check(A.anvil_context_cuda_stream(ctx(dev), s.out(0)), "anvil_context_cuda_stream");
        return s.outLong(0);
    }

    /** The caching allocator's statistics of CUDA device {@code dev}. */
    public static AllocatorStats allocatorStats(Device dev) {
        Scratch s = SCRATCH.get();
        check(A.anvil_context_allocator_stats(ctx(dev), s.address + Scratch.DESC), "anvil_context_allocator_stats");
        return new AllocatorStats().read(s.buffer, Scratch.DESC);
    }

    /** Returns the cached, unused blocks of CUDA device {@code dev} to the driver. */
    public static void emptyCache(Device dev) {
        check(A.anvil_context_empty_cache(ctx(dev)), "anvil_context_empty_cache");
    }

    // ------------------------------------------------------------------ elementwise

    public static void fill(Device dev, long n, float value, long y) {
        check(A.anvil_fill(ctx(dev), n, value, y), "anvil_fill");
    }

    public static void copy(Device dev, long n, long x, long y) {
        check(A.anvil_copy(ctx(dev), n, x, y), "anvil_copy");
    }

    public static void scale(Device dev, long n, float alpha, long x) {
        check(A.anvil_scale(ctx(dev), n, alpha, x), "anvil_scale");
    }

    public static void axpy(Device dev, long n, float alpha, long x, long y) {
        check(A.anvil_axpy(ctx(dev), n, alpha, x, y), "anvil_axpy");
    }

    public static void add(Device dev, long n, long a, long b, long y) {
        check(A.anvil_add(ctx(dev), n, a, b, y), "anvil_add");
    }

    /** y = a op b element-wise ({@code Abi.ANVIL_BINARY_*}); y may be a or b. */
    public static void binary(Device dev, int op, long n, long a, long b, long y) {
        check(A.anvil_binary(ctx(dev), op, n, a, b, y), "anvil_binary");
    }

    /** y[o, i] = op over s of x[o, s, i] ({@code Abi.ANVIL_REDUCE_*}). */
    public static void reduce(Device dev, int op, long outer, long size, long inner, long x, long y) {
        check(A.anvil_reduce(ctx(dev), op, outer, size, inner, x, y), "anvil_reduce");
    }

    /** The k largest of each row of x [rows, cols], descending; indices may be 0. */
    public static void topk(Device dev, long rows, long cols, long k, long x, long values, long indices) {
        check(A.anvil_topk(ctx(dev), rows, cols, k, x, values, indices), "anvil_topk");
    }

    /** c[m, n] = a[m, k] b[k, n]. */
    public static void matmul(Device dev, long m, long k, long n, long a, long b, long c) {
        check(A.anvil_matmul(ctx(dev), m, k, n, a, b, c), "anvil_matmul");
    }

    /** x = min(max(x, lo), hi) in place; NaN stays NaN. */
    public static void clamp(Device dev, long n, float lo, float hi, long x) {
        check(A.anvil_clamp(ctx(dev), n, lo, hi, x), "anvil_clamp");
    }

    /** The sum of the squares of n floats, in double, the same for any thread count. */
    public static double sumSquares(Device dev, long n, long x) {
        Scratch s = SCRATCH.get();
        check(A.anvil_sum_squares(ctx(dev), n, x, s.out(0)), "anvil_sum_squares");
        return s.buffer.getDouble(Scratch.OUT);
    }

    public static void copyRows(Device dev, long rows, long cols, long src, long srcStride, long dst, long dstStride) {
        check(A.anvil_copy_rows(ctx(dev), rows, cols, src, srcStride, dst, dstStride), "anvil_copy_rows");
    }

    // ------------------------------------------------------------------ batchnorm

    /** Bytes of a BatchNorm's fused ReLU mask, which the forward pass writes for the backward pass. */
    public static long batchNormReluMaskBytes(BatchnormDesc d) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_batchnorm_relu_mask_bytes(s.address + Scratch.DESC, s.out(0)), "anvil_batchnorm_relu_mask_bytes");
        return s.outLong(0);
    }

    /**
     * BatchNorm forward; with a {@code residual} (not 0) y = max(batchnorm(x) + residual, 0), the desc's relu set; with the
     * ReLU, {@code reluMask} (0 for none) receives its mask for the backward pass.
     */
    public static void batchNormForward(Device dev, BatchnormDesc d, long x, long residual, long gamma, long beta,
            long runningMean, long runningVar, long saveMean, long saveInvstd, long y, long reluMask) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        if (residual != 0) {
            check(A.anvil_batchnorm_add_relu_forward(ctx(dev), s.address + Scratch.DESC, x, residual, gamma, beta, runningMean,
                    runningVar, saveMean, saveInvstd, y, reluMask), "anvil_batchnorm_add_relu_forward");
        } else {
            check(A.anvil_batchnorm_forward(ctx(dev), s.address + Scratch.DESC, x, gamma, beta, runningMean, runningVar, saveMean,
                    saveInvstd, y, reluMask), "anvil_batchnorm_forward");
        }
    }

    /**
     * BatchNorm backward (with the ReLU, from the forward pass's {@code reluMask}); with a {@code dresidual} (not 0) that of
     * the residual forward, which also gives the residual's gradient.
     */
    public static void batchNormBackward(Device dev, BatchnormDesc d, long x, long reluMask, long dy, long gamma, long saveMean,
            long saveInvstd, long dx, long dresidual, long dgamma, long dbeta, boolean accumulate) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        if (dresidual != 0) {
            check(A.anvil_batchnorm_add_relu_backward(ctx(dev), s.address + Scratch.DESC, x, reluMask, dy, gamma, saveMean,
                    saveInvstd, dx, dresidual, dgamma, dbeta, accumulate ? 1 : 0), "anvil_batchnorm_add_relu_backward");
        } else {
            check(A.anvil_batchnorm_backward(ctx(dev), s.address + Scratch.DESC, x, reluMask, dy, gamma, saveMean, saveInvstd, dx,
                    dgamma, dbeta, accumulate ? 1 : 0), "anvil_batchnorm_backward");
        }
    }

    // ------------------------------------------------------------------ conv2d

    private static long desc(Scratch s, Conv2dDesc d) {
        d.write(s.buffer, Scratch.DESC);
        return s.address + Scratch.DESC;
    }

    private static long desc(Scratch s, Pool2dDesc d) {
        d.write(s.buffer, Scratch.DESC);
        return s.address + Scratch.DESC;
    }

    private static long desc(Scratch s, LinearDesc d) {
        d.write(s.buffer, Scratch.DESC);
        return s.address + Scratch.DESC;
    }

    public static long[] conv2dOutputSize(Conv2dDesc d) {
        Scratch s = SCRATCH.get();
        check(A.anvil_conv2d_output_size(desc(s, d), s.out(0), s.out(1)), "anvil_conv2d_output_size");
        return new long[] {s.outLong(0), s.outLong(1)};
    }

    public static void conv2dForward(Device dev, Conv2dDesc d, long x, long w, long bias, long y) {
        Scratch s = SCRATCH.get();
        check(A.anvil_conv2d_forward(ctx(dev), desc(s, d), x, w, bias, y), "anvil_conv2d_forward");
    }

    public static void conv2dBackwardData(Device dev, Conv2dDesc d, long dy, long w, long dx) {
        Scratch s = SCRATCH.get();
        check(A.anvil_conv2d_backward_data(ctx(dev), desc(s, d), dy, w, dx), "anvil_conv2d_backward_data");
    }

    public static void conv2dBackwardWeight(Device dev, Conv2dDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        Scratch s = SCRATCH.get();
        check(A.anvil_conv2d_backward_weight(ctx(dev), desc(s, d), x, dy, dw, db, accumulate ? 1 : 0), "anvil_conv2d_backward_weight");
    }

    /**
     * Adds each sample's squared Conv2d weight (and bias) gradient norm to sq [batch]: by per-sample weight gradients
     * or, with {@code ghost}, by the ghost norm.
     */
    public static void conv2dPerSampleSqNorms(Device dev, Conv2dDesc d, long x, long dy, boolean bias, boolean ghost, long sq) {
        Scratch s = SCRATCH.get();
        check(A.anvil_conv2d_per_sample_sq_norms(ctx(dev), desc(s, d), x, dy, bias ? 1 : 0, ghost ? 1 : 0, sq),
                "anvil_conv2d_per_sample_sq_norms");
    }

    // ------------------------------------------------------------------ pool2d

    public static long[] pool2dOutputSize(Pool2dDesc d) {
        Scratch s = SCRATCH.get();
        check(A.anvil_pool2d_output_size(desc(s, d), s.out(0), s.out(1)), "anvil_pool2d_output_size");
        return new long[] {s.outLong(0), s.outLong(1)};
    }

    /** Bytes of one max-pool argmax element: 1 for windows of up to 256 elements, else 4. */
    public static long maxPool2dIndexBytes(Pool2dDesc d) {
        Scratch s = SCRATCH.get();
        check(A.anvil_maxpool2d_index_bytes(desc(s, d), s.out(0)), "anvil_maxpool2d_index_bytes");
        return s.outLong(0);
    }

    public static void maxPool2dForward(Device dev, Pool2dDesc d, long x, long y, long argmax) {
        Scratch s = SCRATCH.get();
        check(A.anvil_maxpool2d_forward(ctx(dev), desc(s, d), x, y, argmax), "anvil_maxpool2d_forward");
    }

    public static void maxPool2dBackward(Device dev, Pool2dDesc d, long dy, long argmax, long dx) {
        Scratch s = SCRATCH.get();
        check(A.anvil_maxpool2d_backward(ctx(dev), desc(s, d), dy, argmax, dx), "anvil_maxpool2d_backward");
    }

    public static void avgPool2dForward(Device dev, Pool2dDesc d, long x, long y) {
        Scratch s = SCRATCH.get();
        check(A.anvil_avgpool2d_forward(ctx(dev), desc(s, d), x, y), "anvil_avgpool2d_forward");
    }

    public static void avgPool2dBackward(Device dev, Pool2dDesc d, long dy, long dx) {
        Scratch s = SCRATCH.get();
        check(A.anvil_avgpool2d_backward(ctx(dev), desc(s, d), dy, dx), "anvil_avgpool2d_backward");
    }

    // ------------------------------------------------------------------ linear

    public static void linearForward(Device dev, LinearDesc d, long x, long w, long bias, long y) {
        Scratch s = SCRATCH.get();
        check(A.anvil_linear_forward(ctx(dev), desc(s, d), x, w, bias, y), "anvil_linear_forward");
    }

    public static void linearBackwardData(Device dev, LinearDesc d, long dy, long w, long dx) {
        Scratch s = SCRATCH.get();
        check(A.anvil_linear_backward_data(ctx(dev), desc(s, d), dy, w, dx), "anvil_linear_backward_data");
    }

    public static void linearBackwardWeight(Device dev, LinearDesc d, long x, long dy, long dw, long db, boolean accumulate) {
        Scratch s = SCRATCH.get();
        check(A.anvil_linear_backward_weight(ctx(dev), desc(s, d), x, dy, dw, db, accumulate ? 1 : 0), "anvil_linear_backward_weight");
    }

    /** Adds each sample's squared Linear gradient norm |dy_i|^2 |x_i|^2 (+ |dy_i|^2 with a bias) to sq [batch]. */
    public static void linearPerSampleSqNorms(Device dev, LinearDesc d, long x, long dy, boolean bias, long sq) {
        Scratch s = SCRATCH.get();
        check(A.anvil_linear_per_sample_sq_norms(ctx(dev), desc(s, d), x, dy, bias ? 1 : 0, sq), "anvil_linear_per_sample_sq_norms");
    }

    // ------------------------------------------------------------------ activation

    public static void reluForward(Device dev, long n, long x, long y) {
        check(A.anvil_relu_forward(ctx(dev), n, x, y), "anvil_relu_forward");
    }

    public static void reluBackward(Device dev, long n, long y, long dy, long dx) {
        check(A.anvil_relu_backward(ctx(dev), n, y, dy, dx), "anvil_relu_backward");
    }

    public static void dropoutForward(Device dev, long n, float p, long seed, long x, long y) {
        check(A.anvil_dropout_forward(ctx(dev), n, p, seed, x, y), "anvil_dropout_forward");
    }

    public static void dropoutBackward(Device dev, long n, float p, long seed, long dy, long dx) {
        check(A.anvil_dropout_backward(ctx(dev), n, p, seed, dy, dx), "anvil_dropout_backward");
    }

    public static void groupNormForward(Device dev, GroupnormDesc d, long x, long gamma, long beta, long saveMean, long saveInvstd,
            long y) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_groupnorm_forward(ctx(dev), s.address + Scratch.DESC, x, gamma, beta, saveMean, saveInvstd, y),
                "anvil_groupnorm_forward");
    }

    public static void groupNormBackward(Device dev, GroupnormDesc d, long x, long dy, long gamma, long saveMean, long saveInvstd,
            long dx, long dgamma, long dbeta, boolean accumulate) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_groupnorm_backward(ctx(dev), s.address + Scratch.DESC, x, dy, gamma, saveMean, saveInvstd, dx, dgamma, dbeta,
                accumulate ? 1 : 0), "anvil_groupnorm_backward");
    }

    /** Adds each sample's squared GroupNorm gamma and beta gradient norm to sq [batch]. */
    public static void groupNormPerSampleSqNorms(Device dev, GroupnormDesc d, long x, long dy, long sq) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_groupnorm_per_sample_sq_norms(ctx(dev), s.address + Scratch.DESC, x, dy, sq), "anvil_groupnorm_per_sample_sq_norms");
    }

    public static void activationForward(Device dev, int kind, float alpha, long n, long x, long y) {
        check(A.anvil_activation_forward(ctx(dev), kind, alpha, n, x, y), "anvil_activation_forward");
    }

    public static void activationBackward(Device dev, int kind, float alpha, long n, long x, long y, long dy, long dx) {
        check(A.anvil_activation_backward(ctx(dev), kind, alpha, n, x, y, dy, dx), "anvil_activation_backward");
    }

    // ------------------------------------------------------------------ loss

    /** weight: the address of [classes] class weights, or 0 for none. */
    public static float softmaxCrossEntropyForward(Device dev, CrossEntropyDesc d, long logits, long labels, long weight) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_softmax_cross_entropy_forward(ctx(dev), s.address + Scratch.DESC, logits, labels, weight, s.out(0)),
                "anvil_softmax_cross_entropy_forward");
        return s.buffer.getFloat(Scratch.OUT);
    }

    public static void softmaxCrossEntropyBackward(Device dev, CrossEntropyDesc d, long logits, long labels, long weight, float scale,
            long dlogits) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_softmax_cross_entropy_backward(ctx(dev), s.address + Scratch.DESC, logits, labels, weight, scale, dlogits),
                "anvil_softmax_cross_entropy_backward");
    }

    public static void softmaxForward(Device dev, long rows, long cols, boolean log, long x, long y) {
        check(A.anvil_softmax_forward(ctx(dev), rows, cols, log ? 1 : 0, x, y), "anvil_softmax_forward");
    }

    public static void softmaxBackward(Device dev, long rows, long cols, boolean log, long y, long dy, long dx) {
        check(A.anvil_softmax_backward(ctx(dev), rows, cols, log ? 1 : 0, y, dy, dx), "anvil_softmax_backward");
    }

    /** The mean of the {@code anvil_loss} {@code kind} over n elements. */
    public static float lossForward(Device dev, int kind, float param, long n, long x, long target) {
        Scratch s = SCRATCH.get();
        check(A.anvil_loss_forward(ctx(dev), kind, param, n, x, target, s.out(0)), "anvil_loss_forward");
        return s.buffer.getFloat(Scratch.OUT);
    }

    public static void lossBackward(Device dev, int kind, float param, long n, long x, long target, float scale, long dx) {
        check(A.anvil_loss_backward(ctx(dev), kind, param, n, x, target, scale, dx), "anvil_loss_backward");
    }

    public static void argmax(Device dev, long batch, long classes, long logits, long predictions) {
        check(A.anvil_argmax(ctx(dev), batch, classes, logits, predictions), "anvil_argmax");
    }

    // ------------------------------------------------------------------ optimizers

    public static void sgdStep(Device dev, SgdDesc d, long step, long n, long param, long grad, long velocity) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_sgd_step(ctx(dev), s.address + Scratch.DESC, step, n, param, grad, velocity), "anvil_sgd_step");
    }

    public static void adamStep(Device dev, AdamDesc d, long step, long n, long param, long grad, long m, long v) {
        Scratch s = SCRATCH.get();
        d.write(s.buffer, Scratch.DESC);
        check(A.anvil_adam_step(ctx(dev), s.address + Scratch.DESC, step, n, param, grad, m, v), "anvil_adam_step");
    }

    // ------------------------------------------------------------------ plug-ins

    /** A NUL-terminated UTF-8 copy of {@code text} in this thread's scratch memory. */
    private static long cString(Scratch s, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= Scratch.BYTES - Scratch.STRINGS) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long for the native call: " + text);
        }
        s.buffer.put(Scratch.STRINGS, bytes).put(Scratch.STRINGS + bytes.length, (byte) 0);
        return s.address + Scratch.STRINGS;
    }

    /** Loads a plug-in library; returns its handle. */
    public static long pluginLoad(String path) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_load(cString(s, path), s.out(0)), "anvil_plugin_load");
        return s.outLong(0);
    }

    public static void pluginUnload(long plugin) {
        check(A.anvil_plugin_unload(plugin), "anvil_plugin_unload");
    }

    public static String pluginName(long plugin) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_name(plugin, s.out(0)), "anvil_plugin_name");
        return A.string(s.outLong(0));
    }

    public static int pluginOpCount(long plugin) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_count(plugin, s.out(0)), "anvil_plugin_op_count");
        return s.outInt(0);
    }

    public static String pluginOpName(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_name(plugin, op, s.out(0)), "anvil_plugin_op_name");
        return A.string(s.outLong(0));
    }

    public static String pluginOpDescription(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_description(plugin, op, s.out(0)), "anvil_plugin_op_description");
        return A.string(s.outLong(0));
    }

    public static int pluginOpNumParams(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_num_params(plugin, op, s.out(0)), "anvil_plugin_op_num_params");
        return s.outInt(0);
    }

    public static int pluginOpNumInputs(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_num_inputs(plugin, op, s.out(0)), "anvil_plugin_op_num_inputs");
        return s.outInt(0);
    }

    public static int pluginOpNumWeights(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_num_weights(plugin, op, s.out(0)), "anvil_plugin_op_num_weights");
        return s.outInt(0);
    }

    /** A trainable weight an op declares: its name, initialiser (ANVIL_PLUGIN_INIT_*) and the initialiser's argument. */
    public record PluginWeight(String name, int init, float initArg) {}

    public static PluginWeight pluginOpWeight(long plugin, int op, int index) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_weight(plugin, op, index, s.out(0), s.out(1), s.out(2)), "anvil_plugin_op_weight");
        return new PluginWeight(A.string(s.outLong(0)), s.outInt(1), s.buffer.getFloat(Scratch.OUT + 16));
    }

    public static int pluginOpNumBuffers(long plugin, int op) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_num_buffers(plugin, op, s.out(0)), "anvil_plugin_op_num_buffers");
        return s.outInt(0);
    }

    /** A buffer an op declares (state that is not trained): its name and the value its elements start at. */
    public record PluginBuffer(String name, float init) {}

    public static PluginBuffer pluginOpBuffer(long plugin, int op, int index) {
        Scratch s = SCRATCH.get();
        check(A.anvil_plugin_op_buffer(plugin, op, index, s.out(0), s.out(1)), "anvil_plugin_op_buffer");
        return new PluginBuffer(A.string(s.outLong(0)), s.buffer.getFloat(Scratch.OUT + 8));
    }

    /** Number of scratch offsets {@link #layout} gives; callers keep an int array of this size. */
    public static final int PLUGIN_CALL_OFFSETS = 8;

    /**
     * Lays out the arrays of a plug-in op call in scratch memory, each 8-byte aligned:
     * hyper-parameters, input shapes and ranks, weight shapes and ranks, buffer shapes and ranks,
     * then room for {@code pointerArrays} arrays of pointers (inputs, weights, buffers, gradients).
     * Returns their offsets in {@code at}: params, in_shapes, in_ranks, weight_shapes, weight_ranks,
     * buffer_shapes, buffer_ranks, pointers.
     */
    private static void layout(Scratch s, float[] params, long[][] inShapes, long[][] weightShapes, long[][] bufferShapes,
            int pointerArrays, int[] at) {
        int n = inShapes.length, w = weightShapes.length, b = bufferShapes.length;
        int pos = Scratch.ARRAYS;
        at[0] = pos;
        pos += align8(4 * params.length);
        at[1] = pos;
        pos += 64 * n;
        at[2] = pos;
        pos += align8(4 * n);
        at[3] = pos;
        pos += 64 * w;
        at[4] = pos;
        pos += align8(4 * w);
        at[5] = pos;
        pos += 64 * b;
        at[6] = pos;
        pos += align8(4 * b);
        at[7] = pos;
        pos += 8 * pointerArrays * Math.max(n, Math.max(w, b));
        if (pos > Scratch.STRINGS) {
            throw new IllegalArgumentException("a plug-in op call of " + n + " inputs, " + w + " weights, " + b + " buffers and "
                    + params.length + " hyper-parameters does not fit the call's scratch memory");
        }
        for (int i = 0; i < params.length; i++) s.buffer.putFloat(at[0] + 4 * i, params[i]);
        putShapes(s, inShapes, at[1], at[2]);
        putShapes(s, weightShapes, at[3], at[4]);
        putShapes(s, bufferShapes, at[5], at[6]);
    }

    private static int align8(int bytes) {
        return (bytes + 7) & ~7;
    }

    private static void putShapes(Scratch s, long[][] shapes, int dims, int ranks) {
        for (int i = 0; i < shapes.length; i++) {
            long[] shape = shapes[i];
            if (shape.length > 8) throw new IllegalArgumentException("a plug-in op takes at most 8 dimensions, got " + shape.length);
            for (int d = 0; d < 8; d++) s.buffer.putLong(dims + 64 * i + 8 * d, d < shape.length ? shape[d] : 0);
            s.buffer.putInt(ranks + 4 * i, shape.length);
        }
    }

    private static long[][] getShapes(Scratch s, int count, int dims, int ranks) {
        long[][] shapes = new long[count][];
        for (int i = 0; i < count; i++) {
            shapes[i] = new long[s.buffer.getInt(ranks + 4 * i)];
            for (int d = 0; d < shapes[i].length; d++) shapes[i][d] = s.buffer.getLong(dims + 64 * i + 8 * d);
        }
        return shapes;
    }

    /** Writes {@code count} addresses at scratch offset {@code at}; returns the absolute address of the array. */
    private static long putPointers(Scratch s, int at, long[] addresses, int count) {
        for (int i = 0; i < count; i++) s.buffer.putLong(at + 8 * i, addresses[i]);
        return s.address + at;
    }

    private static final long[][] NO_SHAPES = new long[0][];

    /** The weights' shapes for the hyper-parameters and, unless {@code inShapes} is null, the input shapes. */
    public static long[][] pluginOpWeightShapes(long plugin, int op, float[] params, long[][] inShapes, int numWeights) {
        return pluginOpStateShapes(plugin, op, params, inShapes, numWeights, false);
    }

    /** The buffers' shapes, as {@link #pluginOpWeightShapes} gives the weights'. */
    public static long[][] pluginOpBufferShapes(long plugin, int op, float[] params, long[][] inShapes, int numBuffers) {
        return pluginOpStateShapes(plugin, op, params, inShapes, numBuffers, true);
    }

    private static long[][] pluginOpStateShapes(long plugin, int op, float[] params, long[][] inShapes, int count,
            boolean buffers) {
        Scratch s = SCRATCH.get();
        int[] at = new int[PLUGIN_CALL_OFFSETS];
        long[][] in = inShapes == null ? NO_SHAPES : inShapes;
        layout(s, params, in, new long[count][0], NO_SHAPES, 0, at);
        long inDims = in.length == 0 ? 0 : s.address + at[1], inRanks = in.length == 0 ? 0 : s.address + at[2];
        if (buffers) {
            check(A.anvil_plugin_op_buffer_shapes(plugin, op, s.address + at[0], params.length, in.length, inDims, inRanks,
                    s.address + at[3], s.address + at[4]), "anvil_plugin_op_buffer_shapes");
        } else {
            check(A.anvil_plugin_op_weight_shapes(plugin, op, s.address + at[0], params.length, in.length, inDims, inRanks,
                    s.address + at[3], s.address + at[4]), "anvil_plugin_op_weight_shapes");
        }
        return getShapes(s, count, at[3], at[4]);
    }

    public static long[] pluginOpOutputShapeN(long plugin, int op, float[] params, long[][] inShapes, long[][] weightShapes) {
        Scratch s = SCRATCH.get();
        int[] at = new int[PLUGIN_CALL_OFFSETS];
        layout(s, params, inShapes, weightShapes, NO_SHAPES, 0, at);
        check(A.anvil_plugin_op_output_shape_n(plugin, op, s.address + at[0], params.length, inShapes.length, s.address + at[1],
                s.address + at[2], weightShapes.length, s.address + at[3], s.address + at[4], s.out(0), s.out(8)),
                "anvil_plugin_op_output_shape_n");
        long[] dims = new long[s.outInt(8)];
        for (int i = 0; i < dims.length; i++) dims[i] = s.outLong(i);
        return dims;
    }

    /**
     * y = op(inputs, weights, buffers), updating the buffers when {@code training} and the op does
     * so; {@code at} is a caller-owned int[{@link #PLUGIN_CALL_OFFSETS}] (no allocation per call), the
     * address arrays hold one entry per input, weight and buffer.
     */
    public static void pluginOpForwardState(Device dev, long plugin, int op, float[] params, long[][] inShapes, long[] inputs,
            long[][] weightShapes, long[] weights, long[][] bufferShapes, long[] buffers, boolean training, long y, int[] at) {
        Scratch s = SCRATCH.get();
        layout(s, params, inShapes, weightShapes, bufferShapes, 3, at);
        int n = inShapes.length, w = weightShapes.length, b = bufferShapes.length, stride = 8 * Math.max(n, Math.max(w, b));
        long inputArray = putPointers(s, at[7], inputs, n);
        long weightArray = putPointers(s, at[7] + stride, weights, w);
        long bufferArray = putPointers(s, at[7] + 2 * stride, buffers, b);
        check(A.anvil_plugin_op_forward_state(ctx(dev), plugin, op, s.address + at[0], params.length, n, s.address + at[1],
                s.address + at[2], inputArray, w, s.address + at[3], s.address + at[4], weightArray, b, s.address + at[5],
                s.address + at[6], bufferArray, training ? 1 : 0, y), "anvil_plugin_op_forward_state");
    }

    /** Input gradients (overwritten) and weight gradients (added to) from dy; see {@link #pluginOpForwardState}. */
    public static void pluginOpBackwardState(Device dev, long plugin, int op, float[] params, long[][] inShapes, long[] inputs,
            long[][] weightShapes, long[] weights, long[][] bufferShapes, long[] buffers, boolean training, long y, long dy,
            long[] inputGrads, long[] weightGrads, int[] at) {
        Scratch s = SCRATCH.get();
        layout(s, params, inShapes, weightShapes, bufferShapes, 5, at);
        int n = inShapes.length, w = weightShapes.length, b = bufferShapes.length, stride = 8 * Math.max(n, Math.max(w, b));
        long inputArray = putPointers(s, at[7], inputs, n);
        long weightArray = putPointers(s, at[7] + stride, weights, w);
        long bufferArray = putPointers(s, at[7] + 2 * stride, buffers, b);
        long inputGradArray = putPointers(s, at[7] + 3 * stride, inputGrads, n);
        long weightGradArray = putPointers(s, at[7] + 4 * stride, weightGrads, w);
        check(A.anvil_plugin_op_backward_state(ctx(dev), plugin, op, s.address + at[0], params.length, n, s.address + at[1],
                s.address + at[2], inputArray, w, s.address + at[3], s.address + at[4], weightArray, b, s.address + at[5],
                s.address + at[6], bufferArray, training ? 1 : 0, y, dy, inputGradArray, weightGradArray),
                "anvil_plugin_op_backward_state");
    }

    // ------------------------------------------------------------------ MPI
    // Under no context lock: the MPI process group calls these from its one worker thread, and a
    // collective may wait for its peers up to its timeout without holding up the compute calls.

    /** Throws {@link AnvilException} (UNSUPPORTED), saying how to install Open MPI, when it cannot be loaded. */
    public static void mpiAvailable() {
        check(A.anvil_mpi_available(), "anvil_mpi_available");
    }

    public static void mpiInit() {
        check(A.anvil_mpi_init(), "anvil_mpi_init");
    }

    public static int mpiRank() {
        Scratch s = SCRATCH.get();
        check(A.anvil_mpi_rank(s.out(0)), "anvil_mpi_rank");
        return s.outInt(0);
    }

    public static int mpiSize() {
        Scratch s = SCRATCH.get();
        check(A.anvil_mpi_size(s.out(0)), "anvil_mpi_size");
        return s.outInt(0);
    }

    public static void mpiAllReduceSum(long data, long n, long timeoutMs) {
        check(A.anvil_mpi_allreduce_sum(data, n, timeoutMs), "anvil_mpi_allreduce_sum");
    }

    public static void mpiBroadcast(long data, long bytes, int root, long timeoutMs) {
        check(A.anvil_mpi_bcast(data, bytes, root, timeoutMs), "anvil_mpi_bcast");
    }

    public static void mpiBarrier(long timeoutMs) {
        check(A.anvil_mpi_barrier(timeoutMs), "anvil_mpi_barrier");
    }

    public static void mpiAllGather(long mine, long bytes, long all, long timeoutMs) {
        check(A.anvil_mpi_allgather(mine, bytes, all, timeoutMs), "anvil_mpi_allgather");
    }

    public static void mpiFinalize() {
        check(A.anvil_mpi_finalize(), "anvil_mpi_finalize");
    }

    /** Ends every process of the MPI job, this one included. */
    public static void mpiAbort(int code) {
        check(A.anvil_mpi_abort(code), "anvil_mpi_abort");
    }
}
