package dev.anvil.distributed;

import dev.anvil.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank of a group whose ranks are processes (or threads) connected in a ring of TCP sockets,
 * like PyTorch's gloo backend: rank r sends to rank r+1 and receives from rank r-1 (mod the
 * world size). The ranks find each other through a {@link TcpStore}.
 *
 * <p><b>All-reduce</b> is the ring algorithm: the tensor is split into one contiguous chunk per
 * rank; a reduce-scatter of N-1 steps leaves each rank with the total of one chunk, and an
 * all-gather of N-1 steps hands the totals round. Each link carries 2(N-1)/N of the tensor.
 * <b>Summation order:</b> chunk c is added up along the ring starting at rank c, i.e. as
 * {@code ((x_c + x_{c+1}) + x_{c+2}) + ... + x_{c-1}} (indices mod N), so chunk 0 is added in
 * rank order. The order depends only on rank positions, never on timing, and the totals are
 * copied, not recomputed, so every rank ends with bit-identical values and reruns give the same
 * ones. With 2 ranks this equals rank order for every chunk (float addition is commutative).
 * AVG divides each total by N once.
 *
 * <p>Broadcast pipelines blocks along the ring from the root; allGather passes each rank's bytes
 * round the ring; barrier is an allGather of nothing. Every collective starts by checking, with
 * the previous rank, that both called the same operation with the same sequence number.
 *
 * <p>Collectives run in call order on one worker thread per group (sends on a second thread, so
 * that both directions of the ring move at once). Each is bounded by the group's timeout: a peer
 * that stalls, dies or closes its connection makes the collective fail with a
 * {@link CollectiveException} naming this rank, the operation, its sequence number, its size and
 * the rank it was waiting for; the group then closes its connections, so that its own neighbours
 * fail at once too, and every later collective fails immediately.
 */
public final class TcpProcessGroup implements ProcessGroup {
    private static final Logger LOG = LoggerFactory.getLogger(TcpProcessGroup.class);
    /** Bytes sent or received per socket call: the granularity of the pipelining. */
    private static final int BLOCK = 1 << 20;
    private static final ByteOrder WIRE_ORDER = ByteOrder.LITTLE_ENDIAN;

    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private final SocketChannel toNext;
    private final SocketChannel fromPrevious;
    private final AutoCloseable owned; // the store connection and, on the rank that hosts it, the server
    private final ExecutorService worker;
    private final ExecutorService sender;
    private final ScheduledExecutorService watchdog;
    // used by the worker thread only
    private final ByteBuffer received = ByteBuffer.allocateDirect(BLOCK).order(WIRE_ORDER);
    private final float[] sum = new float[BLOCK / Float.BYTES];
    private final float[] term = new float[BLOCK / Float.BYTES];
    // used by the sender thread only
    private final ByteBuffer outgoing = ByteBuffer.allocateDirect(BLOCK).order(WIRE_ORDER);
    private long nextSequence;
    private volatile boolean closed;
    private volatile String abortReason;
    private volatile int waitingFor = -1; // the rank the worker waits for, named when it times out

    private TcpProcessGroup(int rank, int worldSize, Duration timeout, RingRendezvous.Links links, AutoCloseable owned) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeout = timeout;
        this.toNext = links.toNext();
        this.fromPrevious = links.fromPrevious();
        this.owned = owned;
        this.worker = Executors.newSingleThreadExecutor(daemon("anvil-tcp-collectives-rank-" + rank));
        this.sender = Executors.newSingleThreadExecutor(daemon("anvil-tcp-send-rank-" + rank));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("anvil-tcp-watchdog-rank-" + rank));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Joins the group of {@code worldSize} ranks that meet in {@code store} under the key prefix
     * {@code prefix} (one prefix per group sharing a store). The group takes {@code owned} (may be
     * null), the store connection and possibly its server, and closes it with itself.
     *
     * @param timeout the time the rendezvous and then every collective may wait for peers
     * @throws IllegalStateException for a configuration error (duplicate rank, mismatched world
     *     size, ranks missing); the message says how to fix it
     */
    public static TcpProcessGroup join(TcpStore store, String prefix, int rank, int worldSize, Duration timeout, AutoCloseable owned)
            throws IOException {
        Objects.requireNonNull(store, "store");
        if (worldSize < 1) throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank must be in 0.." + (worldSize - 1) + " for a world size of " + worldSize + ", got " + rank);
        }
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        RingRendezvous.Links links = RingRendezvous.join(store, prefix, rank, worldSize, timeout);
        LOG.debug("rank {} of {} joined the ring (store at {})", rank, worldSize, store.address());
        return new TcpProcessGroup(rank, worldSize, timeout, links, owned);
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

    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        FloatBuffer data = CollectiveCall.floats(t);
        return submit("allReduce(" + op + ")", data.limit() * (long) Float.BYTES, call -> {
            exchangeHeaders(call, true);
            ringAllReduce(data, op);
        });
    }

    @Override
    public void broadcast(Tensor t, int root) {
        Objects.checkIndex(root, worldSize);
        FloatBuffer data = CollectiveCall.floats(t);
        submit("broadcast(root " + root + ")", data.limit() * (long) Float.BYTES, call -> {
            exchangeHeaders(call, true);
            pipelineFrom(root, data);
        }).await();
    }

    @Override
    public void barrier() {
        submit("barrier", 0, call -> {
            exchangeHeaders(call, true);
            ringGather(new byte[0]);
        }).await();
    }

    @Override
    public byte[][] allGather(byte[] mine) {
        Objects.requireNonNull(mine, "mine");
        byte[] copy = mine.clone();
        byte[][][] out = new byte[1][][];
        submit("allGather", copy.length, call -> {
            exchangeHeaders(call, false);
            out[0] = ringGather(copy);
        }).await();
        return out[0];
    }

    /** Leaves the group: closes the connections, so that peers waiting for this rank fail at once. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        worker.shutdown();
        closeLinks();
        sender.shutdownNow();
        watchdog.shutdownNow();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.debug("rank {}: closing the store: {}", rank, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "TcpProcessGroup(rank " + rank + " of " + worldSize + ")";
    }

    // ------------------------------------------------------------------ execution

    private interface Body {
        void run(CollectiveCall call) throws IOException, InterruptedException;
    }


    private Work submit(String operation, long bytes, Body body) {
        CollectiveCall call = new CollectiveCall(rank, nextSequence, operation, bytes);
        Work work = QueuedWork.enqueue(call, closed, worker, () -> execute(call, body), timeout);
        nextSequence++;
        return work;
    }

    /** Runs one collective; a watchdog aborts the group (closing its sockets) if it outlasts the timeout. */
    private void execute(CollectiveCall call, Body body) {
        if (abortReason != null) throw new CollectiveException(call.describe() + " failed: the group was aborted after " + abortReason);
        if (worldSize == 1) return;
        ScheduledFuture<?> alarm = watchdog.schedule(() -> abort(call.describe() + " timed out after " + timeout.toMillis()
                + " ms: ranks " + List.of(Math.max(0, waitingFor)) + " did not arrive"), timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            body.run(call);
        } catch (CollectiveException e) {
            abort(e.getMessage());
            throw e;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            String reason = abortReason;
            if (reason == null) {
                reason = closed ? call.describe() + " failed: the group was closed"
                        : call.describe() + " failed: ranks " + List.of(Math.max(0, waitingFor)) + " did not arrive (" + describe(e) + ")";
                abort(reason);
            }
            throw new CollectiveException(reason, e);
        } finally {
            alarm.cancel(false);
        }
    }

    private static String describe(Exception e) {
        return e instanceof EOFException ? "the connection was closed: that rank failed or left the group" : e.toString();
    }

    /** Marks the group failed and closes its connections, which ends any blocked send or receive. */
    private void abort(String reason) {
        if (abortReason != null) return;
        abortReason = reason;
        LOG.warn(reason);
        closeLinks();
    }

    private void closeLinks() {
        for (SocketChannel c : new SocketChannel[] {toNext, fromPrevious}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("rank {}: closing a connection: {}", rank, e.toString());
            }
        }
    }

    private int previous() {
        return (rank + worldSize - 1) % worldSize;
    }

    private int next() {
        return (rank + 1) % worldSize;
    }

    /** Sends this call's header to the next rank and checks the previous rank's against it. */
    private void exchangeHeaders(CollectiveCall call, boolean sizeMustMatch) throws IOException {
        byte[] op = call.operation().getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(2 * Long.BYTES + Integer.BYTES + op.length).order(WIRE_ORDER);
        header.putLong(call.sequence()).putLong(call.bytes()).putInt(op.length).put(op).flip();
        waitingFor = next();
        writeFully(toNext, header);
        waitingFor = previous();
        ByteBuffer head = readExactly(ByteBuffer.allocate(2 * Long.BYTES + Integer.BYTES).order(WIRE_ORDER)).flip();
        long sequence = head.getLong(), bytes = head.getLong();
        int length = head.getInt();
        if (length < 0 || length > 1024) throw new IOException("corrupt header from rank " + previous());
        String theirs = StandardCharsets.UTF_8.decode(readExactly(ByteBuffer.allocate(length)).flip()).toString();
        if (sequence != call.sequence() || !theirs.equals(call.operation()) || (sizeMustMatch && bytes != call.bytes())) {
            throw new CollectiveException(call.describe() + " failed: the ranks' calls do not match: rank " + previous() + " called "
                    + theirs + " #" + sequence + " of " + bytes + " bytes");
        }
    }

    // ------------------------------------------------------------------ algorithms

    private long chunkStart(long n, int chunk) {
        return n * chunk / worldSize;
    }

    /** Reduce-scatter then all-gather round the ring (see the class comment for the summation order). */
    private void ringAllReduce(FloatBuffer data, ReduceOp op) throws IOException, InterruptedException {
        long n = data.limit();
        for (int step = 0; step < worldSize - 1; step++) {
            int send = Math.floorMod(rank - step, worldSize), receive = Math.floorMod(rank - step - 1, worldSize);
            boolean last = step == worldSize - 2;
            Future<?> sent = sendFloats(data, chunkStart(n, send), chunkStart(n, send + 1));
            receiveFloats(data, chunkStart(n, receive), chunkStart(n, receive + 1), true, last && op == ReduceOp.AVG);
            awaitSend(sent);
        }
        for (int step = 0; step < worldSize - 1; step++) {
            int send = Math.floorMod(rank + 1 - step, worldSize), receive = Math.floorMod(rank - step, worldSize);
            Future<?> sent = sendFloats(data, chunkStart(n, send), chunkStart(n, send + 1));
            receiveFloats(data, chunkStart(n, receive), chunkStart(n, receive + 1), false, false);
            awaitSend(sent);
        }
    }

    /** Broadcast: the root sends, each rank downstream stores and forwards, block by block. */
    private void pipelineFrom(int root, FloatBuffer data) throws IOException {
        int distance = Math.floorMod(rank - root, worldSize);
        boolean forwards = distance < worldSize - 1;
        long n = data.limit();
        for (long start = 0; start < n; start += BLOCK / Float.BYTES) {
            int len = (int) Math.min(BLOCK / Float.BYTES, n - start);
            if (distance == 0) {
                outgoing.clear();
                outgoing.asFloatBuffer().put(0, data, (int) start, len);
                waitingFor = next();
                writeFully(toNext, outgoing.limit(len * Float.BYTES));
                continue;
            }
            waitingFor = previous();
            readExactly(received.clear().limit(len * Float.BYTES)).flip();
            data.put((int) start, received.asFloatBuffer(), 0, len);
            if (forwards) {
                waitingFor = next();
                writeFully(toNext, received.position(0));
            }
        }
    }

    /** Every rank's bytes: in step s rank r passes on the bytes of rank r-s and receives those of rank r-s-1. */
    private byte[][] ringGather(byte[] mine) throws IOException, InterruptedException {
        byte[][] all = new byte[worldSize][];
        all[rank] = mine;
        for (int step = 0; step < worldSize - 1; step++) {
            byte[] send = all[Math.floorMod(rank - step, worldSize)];
            Future<?> sent = sender.submit(() -> {
                writeFully(toNext, ByteBuffer.allocate(Integer.BYTES).order(WIRE_ORDER).putInt(send.length).flip());
                writeFully(toNext, ByteBuffer.wrap(send));
                return null;
            });
            waitingFor = previous();
            int length = readExactly(ByteBuffer.allocate(Integer.BYTES).order(WIRE_ORDER)).flip().getInt();
            if (length < 0 || length > StoreProtocol.MAX_LENGTH * 64) throw new IOException("corrupt length " + length + " from rank " + previous());
            all[Math.floorMod(rank - step - 1, worldSize)] = readExactly(ByteBuffer.allocate(length)).array();
            awaitSend(sent);
        }
        return all;
    }

    /** Sends floats [from, to) of {@code data} to the next rank on the sender thread. */
    private Future<?> sendFloats(FloatBuffer data, long from, long to) {
        return sender.submit(() -> {
            for (long start = from; start < to; start += BLOCK / Float.BYTES) {
                int len = (int) Math.min(BLOCK / Float.BYTES, to - start);
                outgoing.clear();
                outgoing.asFloatBuffer().put(0, data, (int) start, len);
                writeFully(toNext, outgoing.limit(len * Float.BYTES));
            }
            return null;
        });
    }

    /**
     * Receives floats [from, to) from the previous rank into {@code data}: with {@code add},
     * as received + own (then divided by the world size with {@code average}); otherwise copied.
     */
    private void receiveFloats(FloatBuffer data, long from, long to, boolean add, boolean average) throws IOException {
        waitingFor = previous();
        for (long start = from; start < to; start += BLOCK / Float.BYTES) {
            int len = (int) Math.min(BLOCK / Float.BYTES, to - start);
            readExactly(received.clear().limit(len * Float.BYTES)).flip();
            if (!add) {
                data.put((int) start, received.asFloatBuffer(), 0, len);
                continue;
            }
            received.asFloatBuffer().get(0, term, 0, len);
            data.get((int) start, sum, 0, len);
            for (int i = 0; i < len; i++) sum[i] = term[i] + sum[i];
            if (average) {
                for (int i = 0; i < len; i++) sum[i] /= worldSize;
            }
            data.put((int) start, sum, 0, len);
        }
    }

    private void awaitSend(Future<?> sent) throws IOException, InterruptedException {
        waitingFor = next();
        try {
            sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("sending failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("rank " + next() + " did not take the data in time", e);
        }
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) c.write(b);
    }

    /** Fills {@code b} from the previous rank; the watchdog bounds the wait by closing the socket. */
    private ByteBuffer readExactly(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (fromPrevious.read(b) < 0) throw new EOFException("rank " + previous() + " closed the connection");
        }
        return b;
    }
}
