package dev.anvil;

import dev.anvil.internal.Native;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * Open MPI collectives over host tensors, reached through libanvil, which loads Open MPI at run
 * time (so nothing needs MPI to build or load). Low level: the {@code mpi} process group of the
 * distributed module is built on it. The process must be started by {@code mpirun}; one thread at a
 * time may call these methods (MPI_THREAD_SERIALIZED). A collective that does not complete within
 * its timeout fails with an {@link AnvilException} of status TIMEOUT, after which only
 * {@link #abort} is allowed.
 */
public final class Mpi {
    private Mpi() {}

    /** Why Open MPI cannot be used (with how to install it), or empty when it can. */
    public static Optional<String> unavailableReason() {
        try {
            Native.mpiAvailable();
            return Optional.empty();
        } catch (AnvilException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** MPI_Init_thread; a no-op once initialised. */
    public static void init() {
        Native.mpiInit();
    }

    public static int rank() {
        return Native.mpiRank();
    }

    public static int size() {
        return Native.mpiSize();
    }

    /** In place: {@code t} (a host float tensor) becomes the element-wise sum over the ranks. */
    public static void allReduceSum(Tensor t, long timeoutMs) {
        Native.mpiAllReduceSum(host(t).address(), t.numel(), timeoutMs);
    }

    /** The data of rank {@code root}'s {@code t} is copied into {@code t} on every other rank. */
    public static void broadcast(Tensor t, int root, long timeoutMs) {
        Native.mpiBroadcast(host(t).address(), t.numel() * t.dtype().bytes(), root, timeoutMs);
    }

    public static void barrier(long timeoutMs) {
        Native.mpiBarrier(timeoutMs);
    }

    /**
     * Every rank gives {@code mine} padded with zeros to {@code blockBytes}; the result holds the
     * blocks of all ranks, in rank order.
     */
    public static byte[][] allGather(byte[] mine, int blockBytes, long timeoutMs) {
        Objects.requireNonNull(mine, "mine");
        if (blockBytes <= 0 || mine.length > blockBytes) {
            throw new IllegalArgumentException("allGather: " + mine.length + " bytes do not fit blocks of " + blockBytes);
        }
        int size = size();
        try (Tensor send = Tensor.emptyUnscoped(DType.INT32, (blockBytes + 3) / 4);
             Tensor all = Tensor.emptyUnscoped(DType.INT32, (long) size * ((blockBytes + 3) / 4))) {
            ByteBuffer out = Native.view(send.address(), blockBytes);
            out.put(mine).put(new byte[blockBytes - mine.length]);
            Native.mpiAllGather(send.address(), blockBytes, all.address(), timeoutMs);
            ByteBuffer in = Native.view(all.address(), (long) size * blockBytes);
            byte[][] blocks = new byte[size][blockBytes];
            for (byte[] block : blocks) in.get(block);
            return blocks;
        }
    }

    /** MPI_Finalize; a no-op when MPI is not initialised or already finalised. */
    public static void shutdown() {
        Native.mpiFinalize();
    }

    /** MPI_Abort: mpirun ends every process of the job, this one included. */
    public static void abort(int code) {
        Native.mpiAbort(code);
    }

    private static Tensor host(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        if (t.device().type() != Device.Type.CPU) throw new IllegalArgumentException("MPI needs a host tensor, got one on " + t.device());
        return t;
    }
}
