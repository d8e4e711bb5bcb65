package dev.anvil.distributed;

import org.bytedeco.cuda.global.nccl;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * NCCL through JavaCPP's CUDA presets, loaded on first use only: a machine without a GPU or
 * without {@code libnccl.so.2} never touches it. Once loading has failed, the JVM cannot retry
 * (the classes stay unusable), so the outcome is probed once and kept.
 */
final class NcclLibrary {
    private static String unavailable; // null: loaded
    private static boolean probed;

    private NcclLibrary() {}

    /** Why NCCL cannot be used here, or null when it is loaded. */
    static synchronized String unavailableReason() {
        if (!probed) {
            probed = true;
            unavailable = probe();
        }
        return unavailable;
    }

    private static String probe() {
        String cuda = dev.anvil.Device.cudaUnavailableReason();
        if (cuda != null) return "no usable CUDA: " + cuda;
        try {
            Loader.load(nccl.class);
            int[] version = new int[1];
            check(nccl.ncclGetVersion(version), "ncclGetVersion");
            return null;
        } catch (Throwable t) {
            return "NCCL could not be loaded (" + t + "); install NCCL 2 (libnccl.so.2) and the CUDA 13 runtime "
                    + "(libcudart.so.13) and put their folders on LD_LIBRARY_PATH";
        }
    }

    /** NCCL's version as text, e.g. "2.27.3"; NCCL must be loaded. */
    static String version() {
        int[] v = new int[1];
        check(nccl.ncclGetVersion(v), "ncclGetVersion");
        return v[0] / 10000 + "." + v[0] / 100 % 100 + "." + v[0] % 100;
    }

    /** A JavaCPP pointer to native address {@code raw} (a device pointer or a stream handle). */
    static Pointer at(long raw) {
        // Named apart from Pointer's own field "address", which would shadow a parameter of that name here.
        return new Pointer() {
            {
                address = raw;
            }
        };
    }

    /** Throws unless {@code result} is ncclSuccess, with NCCL's description of the error. */
    static void check(int result, String call) {
        if (result != nccl.ncclSuccess) throw new IllegalStateException(call + " failed: " + describe(result));
    }

    static String describe(int result) {
        return nccl.ncclGetErrorString(result).getString() + " (ncclResult " + result + ")";
    }
}
