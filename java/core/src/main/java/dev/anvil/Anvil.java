package dev.anvil;

import dev.anvil.internal.Native;

/** Library-wide facts and settings. */
public final class Anvil {
    private Anvil() {}

    /** Version of the native library. */
    public static String version() {
        return Native.version();
    }

    /**
     * The binding that reaches the native library: "jni" or "ffm" (java.lang.foreign, JDK
     * 22+). Chosen at start by the system property {@code anvil.binding}; unset, ffm where it is
     * available, else jni.
     */
    public static String binding() {
        return Native.binding();
    }

    /** CPU features the native kernels use on this machine, e.g. "avx2 fma avx512f". */
    public static String cpuFeatures() {
        return Native.cpuFeatures();
    }

    /**
     * The CPU kernels' instruction-set level and why (first line: "level: avx512vbmi (no cap; the
     * CPU has avx512vbmi)"), then one line per op family with the variant that runs. The level can
     * be capped with the environment variable {@code ANVIL_CPU_ISA} or the system property
     * {@code anvil.cpu.isa} (portable, avx2, avx512, avx512vbmi), before the first op.
     */
    public static String cpuKernels() {
        return Native.cpuDispatch();
    }

    /** The GEMM micro-kernel selected for this CPU. */
    public static String gemmKernel() {
        return Native.gemmKernel();
    }

    /**
     * Sets the number of threads the CPU kernels use ({@code n <= 0}: every CPU). The default
     * comes from the system property {@code anvil.threads} or the environment variable
     * {@code ANVIL_NUM_THREADS}, else every CPU.
     */
    public static void setNumThreads(int n) {
        Native.setThreads(n);
    }

    /** Worker threads of the CPU kernels called from this thread (its own context's, if it has one). */
    public static int numThreads() {
        return Native.threads();
    }

    /**
     * Gives the calling thread a CPU context of its own with {@code numThreads} worker threads
     * ({@code <= 0}: every CPU), until the returned handle is closed (on this thread). Its CPU ops then
     * never wait for other threads' ops, which share one context otherwise and run one at a time:
     * for independent models trained on separate threads, and for the ranks of local data-parallel
     * training. Contexts nest; close the innermost first.
     */
    public static ThreadContext threadContext(int numThreads) {
        return new ThreadContext(Native.openThreadContext(numThreads));
    }

    /** A CPU context of one thread's own, from {@link #threadContext}. */
    public static final class ThreadContext implements AutoCloseable {
        private final long handle;
        private boolean closed;

        private ThreadContext(long handle) {
            this.handle = handle;
        }

        /** Ends the context; the thread's ops go back to the context they used before. Idempotent. */
        @Override
        public void close() {
            if (closed) return;
            Native.closeThreadContext(handle);
            closed = true;
        }
    }

    /** Whether the FFM binding (java.lang.foreign, JDK 22+) can run in this JVM: {@code -Danvil.binding=ffm} then selects it. */
    public static boolean ffmAvailable() {
        return dev.anvil.abi.Bindings.ffmAvailable();
    }

    /**
     * One line per visible CUDA device: index, name, compute capability, memory, driver and
     * runtime versions. Empty where CUDA is not usable ({@link Device#cudaUnavailableReason()}).
     */
    public static java.util.List<String> cudaDevices() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0, n = Native.cudaDeviceCount(); i < n; i++) {
            dev.anvil.abi.CudaDeviceProps p = Native.cudaDeviceProps(i);
            out.add(String.format(java.util.Locale.ROOT, "cuda:%d %s, compute %d.%d, %.1f GiB, %d SMs, driver %s, runtime %s", i,
                    p.name(), p.major(), p.minor(), p.total_memory() / (double) (1L << 30), p.multiprocessors(),
                    version(p.driver_version()), version(p.runtime_version())));
        }
        return out;
    }

    /** CUDA's integer versions (13000) as text (13.0). */
    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /**
     * Waits until {@code device} has finished the work queued on it (GPU kernels run
     * asynchronously) and reports an error of that work; returns at once for the CPU.
     */
    public static void synchronize(Device device) {
        Native.synchronize(java.util.Objects.requireNonNull(device, "device"));
    }

    /**
     * Whether {@code device} has finished the work queued on it, without waiting (always true for
     * the CPU); reports an error of that work.
     */
    public static boolean isIdle(Device device) {
        return Native.isIdle(java.util.Objects.requireNonNull(device, "device"));
    }

    /**
     * The CUDA stream ({@code cudaStream_t}) on which Anvil's ops on GPU {@code device} run, for
     * libraries whose work must be ordered with them (NCCL collectives on gradients).
     */
    public static long cudaStream(Device device) {
        requireCuda(device);
        return Native.cudaStream(device);
    }

    /** The caching allocator's statistics of a GPU. */
    public static CudaMemoryStats cudaMemoryStats(Device device) {
        requireCuda(device);
        dev.anvil.abi.AllocatorStats s = Native.allocatorStats(device);
        return new CudaMemoryStats(s.allocated(), s.reserved(), s.peak_allocated(), s.allocations(), s.cache_hits());
    }

    /** Returns a GPU's cached, unused memory to the driver (PyTorch's {@code torch.cuda.empty_cache()}). */
    public static void emptyCache(Device device) {
        requireCuda(device);
        Native.emptyCache(device);
    }

    private static void requireCuda(Device device) {
        if (java.util.Objects.requireNonNull(device, "device").type() != Device.Type.CUDA) {
            throw new IllegalArgumentException("expected a CUDA device, got " + device);
        }
    }

    /** Bytes held by tensors that have not been closed. */
    public static long liveTensorBytes() {
        return Tensor.liveBytes();
    }

    /** Bytes the native library holds: tensors plus kernel workspaces. */
    public static long nativeLiveBytes() {
        return Native.nativeLiveBytes();
    }
}
