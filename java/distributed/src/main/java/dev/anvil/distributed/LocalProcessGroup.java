package dev.anvil.distributed;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.distributed.LocalWorld.Contribution;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * A rank of a {@link LocalWorld}: ranks are threads of one JVM and collectives work directly on
 * the tensors' memory. Each rank runs its collectives, in call order, on its own worker thread,
 * which is what makes {@link #allReduceAsync} overlap with the caller's work.
 *
 * <p>An all-reduce splits the tensor into one contiguous chunk per rank; rank r reduces chunk r
 * of every rank's tensor, adding in rank order 0, 1, 2, ... and writing the result into every
 * rank's tensor. The order of additions is fixed, so every rank gets bit-identical values and a
 * rerun gets the same ones.
 */
public final class LocalProcessGroup implements ProcessGroup {
    /** Default time one collective may wait for its peers. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private static final int TILE = 16 * 1024; // floats reduced per pass over the ranks' buffers

    private final LocalWorld world;
    private final int rank;
    private final ExecutorService worker;
    private final float[] sum = new float[TILE]; // used by the worker thread only
    private final float[] term = new float[TILE];
    private long nextSequence;
    private volatile boolean closed;

    LocalProcessGroup(LocalWorld world, int rank) {
        this.world = world;
        this.rank = rank;
        this.worker = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "anvil-collectives-rank-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A world of {@code worldSize} ranks whose collectives wait at most {@code timeout} for their
     * peers.
     */
    public static LocalWorld create(int worldSize, Duration timeout) {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        return new LocalWorld(worldSize, timeout);
    }

    /** A world of {@code worldSize} ranks with the {@link #DEFAULT_TIMEOUT}. */
    public static LocalWorld create(int worldSize) {
        return create(worldSize, DEFAULT_TIMEOUT);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return world.size();
    }

    @Override
    public Duration timeout() {
        return world.timeout();
    }

    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        FloatBuffer data = floats(t);
        return submit("allReduce(" + op + ")", t.numel() * Float.BYTES, true, data, true,
                all -> reduceChunk(buffers(all), op));
    }

    @Override
    public void broadcast(Tensor t, int root) {
        Objects.checkIndex(root, worldSize());
        FloatBuffer data = floats(t);
        submit("broadcast(root " + root + ")", t.numel() * Float.BYTES, true, data, true, all -> {
            if (rank != root) data.put(0, (FloatBuffer) all[root].payload(), 0, data.limit());
        }).await();
    }

    @Override
    public void barrier() {
        submit("barrier", 0, true, null, false, all -> {}).await();
    }

    @Override
    public byte[][] allGather(byte[] mine) {
        Objects.requireNonNull(mine, "mine");
        byte[][] out = new byte[worldSize()][];
        submit("allGather", mine.length, false, mine.clone(), false, all -> {
            for (int r = 0; r < all.length; r++) out[r] = ((byte[]) all[r].payload()).clone();
        }).await();
        return out;
    }

    /** Rejects later collectives and makes peers waiting for this rank fail at once. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        world.leave(rank);
        worker.shutdown();
    }

    @Override
    public String toString() {
        return "LocalProcessGroup(rank " + rank + " of " + worldSize() + ")";
    }

    // ------------------------------------------------------------------ execution

    private static FloatBuffer floats(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        t.requireType(DType.FLOAT32);
        return t.floatBuffer();
    }

    /**
     * Queues one collective on the worker: meet the peers, check they agree, run {@code body}
     * with every rank's contribution, then (with {@code waitForPeers}) wait until every rank is
     * done with the data before completing.
     */
    private Work submit(String operation, long bytes, boolean sizeMustMatch, Object payload, boolean waitForPeers,
            Consumer<Contribution[]> body) {
        CollectiveCall call = new CollectiveCall(rank, nextSequence, operation, bytes);
        if (closed) throw new CollectiveException(call.describe() + " refused: the group is closed");
        nextSequence++;
        Contribution mine = new Contribution(call, sizeMustMatch, payload);
        try {
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> execute(mine, waitForPeers, body), worker);
            return new QueuedWork(call, done, timeout());
        } catch (RejectedExecutionException e) {
            throw new CollectiveException(call.describe() + " refused: the group is closed", e);
        }
    }

    private void execute(Contribution mine, boolean waitForPeers, Consumer<Contribution[]> body) {
        long deadline = System.nanoTime() + timeout().toNanos();
        Contribution[] all = world.arrive(mine, deadline);
        boolean ok = false;
        try {
            checkAgreement(mine.call(), all);
            body.accept(all);
            ok = true;
        } finally {
            world.depart(mine.call(), waitForPeers && ok, deadline);
        }
    }

    /** Every rank must call the same operation with the same size; every rank throws the same message otherwise. */
    private static void checkAgreement(CollectiveCall call, Contribution[] all) {
        boolean agree = true;
        for (Contribution c : all) {
            agree &= c.call().operation().equals(all[0].call().operation())
                    && (!c.sizeMustMatch() || c.call().bytes() == all[0].call().bytes());
        }
        if (agree) return;
        StringBuilder calls = new StringBuilder();
        for (Contribution c : all) {
            calls.append(calls.length() == 0 ? "" : ", ").append("rank ").append(c.call().rank()).append(' ')
                    .append(c.call().operation()).append(" of ").append(c.call().bytes()).append(" bytes");
        }
        throw new CollectiveException(call.describe() + " failed: the ranks' calls #" + call.sequence() + " do not match: " + calls);
    }

    private static FloatBuffer[] buffers(Contribution[] all) {
        FloatBuffer[] out = new FloatBuffer[all.length];
        for (int r = 0; r < all.length; r++) out[r] = ((FloatBuffer) all[r].payload()).duplicate();
        return out;
    }

    /** Reduces this rank's chunk of every rank's buffer, in rank order, into all of them. */
    private void reduceChunk(FloatBuffer[] buffers, ReduceOp op) {
        int ranks = buffers.length;
        long n = buffers[0].limit();
        int from = (int) (n * rank / ranks), to = (int) (n * (rank + 1) / ranks);
        for (int start = from; start < to; start += TILE) {
            int len = Math.min(TILE, to - start);
            buffers[0].get(start, sum, 0, len);
            for (int r = 1; r < ranks; r++) {
                buffers[r].get(start, term, 0, len);
                for (int i = 0; i < len; i++) sum[i] += term[i];
            }
            if (op == ReduceOp.AVG) {
                for (int i = 0; i < len; i++) sum[i] /= ranks;
            }
            for (FloatBuffer b : buffers) b.put(start, sum, 0, len);
        }
    }
}
