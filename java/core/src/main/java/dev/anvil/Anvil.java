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
     * The binding that reaches the native library: "jni" (JavaCPP) or "ffm" (java.lang.foreign, JDK
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

    public static int numThreads() {
        return Native.threads();
    }

    /**
     * One line per visible CUDA device: index, name, compute capability, memory, driver and
     * runtime versions. Empty where CUDA is not usable ({@link Device#cudaUnavailableReason()}).
     */
    public static java.util.List<String> cudaDevices() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0, n = Native.cudaDeviceCount(); i < n; i++) {
            dev.anvil.internal.CudaDeviceProps p = Native.cudaDeviceProps(i);
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

    /** The caching allocator's statistics of a GPU. */
    public static CudaMemoryStats cudaMemoryStats(Device device) {
        requireCuda(device);
        dev.anvil.internal.AllocatorStats s = Native.allocatorStats(device);
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
