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

    /** Bytes held by tensors that have not been closed. */
    public static long liveTensorBytes() {
        return Tensor.liveBytes();
    }

    /** Bytes the native library holds: tensors plus kernel workspaces. */
    public static long nativeLiveBytes() {
        return Native.nativeLiveBytes();
    }
}
