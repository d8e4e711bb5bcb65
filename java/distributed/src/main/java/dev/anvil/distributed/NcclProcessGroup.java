package dev.anvil.distributed;

import dev.anvil.Anvil;
import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclConfig_t;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code "nccl"} backend: float32 tensors on this rank's GPU, reduced by NCCL on the CUDA
 * stream of Anvil's context for that GPU, so a collective starts after the kernels that produced
 * its data (DDP launches a bucket during the backward pass) and the kernels queued after it wait
 * for it, without the host waiting in between.
 *
 * <p>Rendezvous goes through the {@link TcpStore}: every rank publishes its world size, host and
 * GPU (so a world-size mismatch or two ranks on one GPU fail before NCCL is touched), and rank 0
 * publishes the NCCL unique id. The communicator is non-blocking: its initialisation and every
 * collective are polled ({@code ncclCommGetAsyncError}, and the stream for completion) until the
 * group's timeout, after which the communicator is aborted ({@code ncclCommAbort}) and the call
 * fails naming the rank, the operation, its sequence number and size. Small byte arrays
 * ({@link #allGather}) travel through the store.
 */
final class NcclProcessGroup implements ProcessGroup {
    private static final Logger LOG = LoggerFactory.getLogger(NcclProcessGroup.class);
    /** NCCL_CONFIG_UNDEF_INT: "use NCCL's default" for an int field of ncclConfig_t. */
    private static final int UNDEF = Integer.MIN_VALUE;
    private static final long POLL_NANOS = 20_000;

    private final TcpStore store;
    private final String prefix;
    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private final Device device;
    private final Runnable onClose;
    private ncclComm comm;
    private CUstream_st stream;
    private Tensor scratch; // one float for barrier()
    private long sequence;
    private String broken; // why the group is unusable, or null
    private boolean closed;

    // NCCL through JavaCPP's CUDA presets, loaded on first use only: a machine without a GPU or
    // without libnccl.so.2 never touches it. Once loading has failed, the JVM cannot retry (the
    // classes stay unusable), so the outcome is probed once and kept.
    private static String unavailable; // null: loaded
    private static boolean probed;

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

    private NcclProcessGroup(TcpStore store, String prefix, int rank, int worldSize, Device device, Duration timeout,
            Runnable onClose) {
        this.store = store;
        this.prefix = prefix;
        this.rank = rank;
        this.worldSize = worldSize;
        this.device = device;
        this.timeout = timeout;
        this.onClose = onClose;
    }

    /**
     * Joins the group of {@code worldSize} ranks as {@code rank} on {@code device}, meeting the
     * others under {@code prefix} in {@code store}; {@code onClose} runs when the group is closed
     * (or fails to form).
     */
    static NcclProcessGroup join(TcpStore store, String prefix, int rank, int worldSize, Device device, Duration timeout,
            Runnable onClose) throws IOException {
        Objects.requireNonNull(device, "device");
        if (device.type() != Device.Type.CUDA) throw new IllegalArgumentException("the nccl backend needs a CUDA device, got " + device);
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException("backend 'nccl' is not available: " + why);
        NcclProcessGroup g = new NcclProcessGroup(store, prefix, rank, worldSize, device, timeout, onClose);
        try {
            g.rendezvous();
            g.scratch = Tensor.emptyUnscoped(device, DType.FLOAT32, 1);
            LOG.info("rank {} of {}: NCCL {} communicator on {}", rank, worldSize, version(), device);
            return g;
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private void rendezvous() throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (store.add(prefix + "/claim/" + rank, 1) > 1) {
            throw new IllegalStateException("rank " + rank + " joined the group twice (store at " + store.address()
                    + "): every process needs its own rank in 0.." + (worldSize - 1));
        }
        String host = InetAddress.getLocalHost().getHostName();
        store.set(prefix + "/rank/" + rank, worldSize + " " + device.index() + " " + host);
        String[] seen = new String[worldSize];
        for (int r = 0; r < worldSize; r++) {
            String entry;
            try {
                entry = new String(store.get(prefix + "/rank/" + r, remaining(deadline)), StandardCharsets.UTF_8);
            } catch (StoreTimeoutException e) {
                throw new IllegalStateException("rank " + rank + ": rank " + r + " of " + worldSize + " did not join within "
                        + timeout.toMillis() + " ms (store at " + store.address() + "); start all " + worldSize + " ranks", e);
            }
            String[] f = entry.split(" ", 3);
            if (Integer.parseInt(f[0]) != worldSize) {
                throw new IllegalStateException("world size mismatch: rank " + r + " was started with a world size of " + f[0]
                        + ", rank " + rank + " with " + worldSize + "; start every rank with the same WORLD_SIZE");
            }
            seen[r] = "cuda:" + f[1] + " on " + f[2];
            for (int q = 0; q < r; q++) {
                if (seen[q].equals(seen[r])) {
                    throw new IllegalStateException("ranks " + q + " and " + r + " both use " + seen[r]
                            + ": NCCL needs one GPU per rank; give each rank its own device (cuda:LOCAL_RANK) or start fewer ranks per host");
                }
            }
        }
        ncclUniqueId id = new ncclUniqueId();
        if (rank == 0) {
            check(nccl.ncclGetUniqueId(id), "ncclGetUniqueId");
            byte[] bytes = new byte[nccl.NCCL_UNIQUE_ID_BYTES];
            id.internal().get(bytes);
            store.set(prefix + "/nccl-id", bytes);
        } else {
            id.internal().put(store.get(prefix + "/nccl-id", remaining(deadline)));
        }
        stream = new CUstream_st(at(Anvil.cudaStream(device))); // also makes the device current
        comm = new ncclComm();
        ncclConfig_t config = nonBlockingConfig();
        int result = nccl.ncclCommInitRankConfig(comm, worldSize, id, rank, config);
        if (result != nccl.ncclSuccess && result != nccl.ncclInProgress) {
            throw new IllegalStateException("rank " + rank + ": ncclCommInitRankConfig failed: " + describe(result));
        }
        settle(deadline, "initialising the communicator (" + worldSize + " ranks)");
    }

    /** NCCL_CONFIG_INITIALIZER with blocking = 0: every other field left to NCCL. */
    private static ncclConfig_t nonBlockingConfig() {
        return new ncclConfig_t().size(Loader.sizeof(ncclConfig_t.class)).magic(0xcafebeef).version(nccl.NCCL_VERSION_CODE)
                .blocking(0).cgaClusterSize(UNDEF).minCTAs(UNDEF).maxCTAs(UNDEF).netName(null).splitShare(UNDEF)
                .trafficClass(UNDEF).commName(null).collnetEnable(UNDEF).CTAPolicy(UNDEF).shrinkShare(UNDEF).nvlsCTAs(UNDEF)
                .nChannelsPerNetPeer(UNDEF).nvlinkCentricSched(UNDEF).graphUsageMode(UNDEF).numRmaCtx(UNDEF);
    }

    /**
     * Polls the non-blocking communicator until its pending call has been issued, aborting it
     * and failing when that takes past {@code deadline} or NCCL reports an error.
     */
    private void settle(long deadline, String what) {
        int[] state = new int[1];
        while (true) {
            int result = nccl.ncclCommGetAsyncError(comm, state);
            if (result == nccl.ncclSuccess && state[0] == nccl.ncclSuccess) return;
            if (result != nccl.ncclSuccess || state[0] != nccl.ncclInProgress) {
                fail(what + ": " + describe(result != nccl.ncclSuccess ? result : state[0]));
            }
            if (System.nanoTime() > deadline) fail(what + ": no progress within " + timeout.toMillis() + " ms");
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Aborts the communicator, marks the group unusable and throws. */
    private void fail(String why) {
        broken = why;
        abort();
        throw new CollectiveException("rank " + rank + " (nccl on " + device + "): " + why + "; the communicator was aborted");
    }

    private void abort() {
        if (comm != null && !comm.isNull()) {
            nccl.ncclCommAbort(comm);
            comm.setNull();
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    /** The GPU of this rank. */
    Device device() {
        return device;
    }

    /** The tensor's data, after checking it is a float32 tensor open on this rank's GPU. */
    private Pointer data(Tensor t, CollectiveCall call) {
        Objects.requireNonNull(t, "tensor");
        t.requireType(DType.FLOAT32);
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(call.describe() + ": the nccl group reduces tensors on " + device + ", got one on "
                    + t.device() + "; move it with to(" + device + ")");
        }
        return at(t.address());
    }

    private CollectiveCall start(String operation, long bytes) {
        if (closed) throw new IllegalStateException("rank " + rank + ": the nccl group is closed");
        CollectiveCall call = new CollectiveCall(rank, sequence++, operation, bytes);
        if (broken != null) throw new CollectiveException(call.describe() + ": the group is unusable after an earlier failure: " + broken);
        return call;
    }

    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        CollectiveCall call = start("allReduce(" + op + ")", t.numel() * Float.BYTES);
        Pointer p = data(t, call);
        int result = nccl.ncclAllReduce(p, p, t.numel(), nccl.ncclFloat, op == ReduceOp.SUM ? nccl.ncclSum : nccl.ncclAvg,
                comm, stream);
        return issued(result, call);
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= worldSize) throw new IllegalArgumentException("root must be in 0.." + (worldSize - 1) + ", got " + root);
        CollectiveCall call = start("broadcast(root " + root + ")", t.numel() * Float.BYTES);
        Pointer p = data(t, call);
        issued(nccl.ncclBroadcast(p, p, t.numel(), nccl.ncclFloat, root, comm, stream), call).await();
    }

    @Override
    public void barrier() {
        CollectiveCall call = start("barrier", Float.BYTES);
        Pointer p = at(scratch.address());
        issued(nccl.ncclAllReduce(p, p, 1, nccl.ncclFloat, nccl.ncclSum, comm, stream), call).await();
    }

    /** The small arrays travel through the store, keyed by this call's sequence number. */
    @Override
    public byte[][] allGather(byte[] mine) {
        Objects.requireNonNull(mine, "mine");
        CollectiveCall call = start("allGather", mine.length);
        long deadline = System.nanoTime() + timeout.toNanos();
        String key = prefix + "/gather/" + call.sequence() + "/";
        store.set(key + rank, mine);
        byte[][] all = new byte[worldSize][];
        for (int r = 0; r < worldSize; r++) {
            try {
                all[r] = store.get(key + r, remaining(deadline));
            } catch (StoreTimeoutException e) {
                broken = "rank " + r + " did not arrive";
                throw new CollectiveException(call.describe() + ": rank " + r + " did not arrive within " + timeout.toMillis() + " ms", e);
            }
        }
        return all;
    }

    /** The work of a collective NCCL accepted: it is complete when the stream has caught up with it. */
    private Work issued(int result, CollectiveCall call) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (result != nccl.ncclSuccess && result != nccl.ncclInProgress) fail(call.describe() + ": " + describe(result));
        if (result == nccl.ncclInProgress) settle(deadline, call.describe());
        return new Work() {
            private boolean done;

            @Override
            public boolean isDone() {
                return done || (done = Anvil.isIdle(device));
            }

            @Override
            public void await() {
                await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }

            @Override
            public void await(Duration wait) {
                long until = System.nanoTime() + wait.toNanos();
                int[] state = new int[1];
                while (!isDone()) {
                    int r = nccl.ncclCommGetAsyncError(comm, state);
                    if (r != nccl.ncclSuccess || (state[0] != nccl.ncclSuccess && state[0] != nccl.ncclInProgress)) {
                        fail(call.describe() + ": " + describe(r != nccl.ncclSuccess ? r : state[0]));
                    }
                    if (System.nanoTime() > until) {
                        fail(call.describe() + ": not complete after " + wait.toMillis() + " ms; a peer did not arrive or stalled");
                    }
                    LockSupport.parkNanos(POLL_NANOS);
                }
            }
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (comm != null && !comm.isNull()) {
                if (broken != null) {
                    abort();
                } else {
                    // A non-blocking communicator finishes its work and frees its resources in
                    // the background: wait for that before destroying it, or a communicator
                    // created next may meet them still in use.
                    Anvil.synchronize(device);
                    int result = nccl.ncclCommFinalize(comm);
                    if (result != nccl.ncclSuccess && result != nccl.ncclInProgress) fail("ncclCommFinalize: " + describe(result));
                    settle(System.nanoTime() + timeout.toNanos(), "finalising the communicator");
                    nccl.ncclCommDestroy(comm);
                    comm.setNull();
                }
            }
        } finally {
            if (scratch != null) scratch.close();
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "NcclProcessGroup(rank " + rank + " of " + worldSize + ", " + device + ")";
    }
}
