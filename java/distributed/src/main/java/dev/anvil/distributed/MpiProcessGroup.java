package dev.anvil.distributed;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.Mpi;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ranks of an MPI job: every process that {@code mpirun -np N java ...} started is one rank of
 * {@code MPI_COMM_WORLD}, on one host or several. Tensors live in CPU memory; Open MPI moves them
 * (shared memory between processes of a host, its network transports between hosts).
 *
 * <p>Open MPI is loaded by libanvil at run time, so this class and the core jar load where it is
 * not installed; {@link #create} then fails with a message that says how to install it. A process
 * that mpirun did not start is refused too, rather than silently training as a world of one.
 *
 * <p>Every MPI call of the process runs on this group's one worker thread (MPI is initialised with
 * {@code MPI_THREAD_SERIALIZED}), collectives in call order, which is what lets
 * {@link #allReduceAsync} overlap with the caller's work. Each collective is a non-blocking MPI
 * operation polled until the group's timeout. MPI cannot name the ranks that did not arrive, nor
 * cancel a started collective: after a timeout the group fails every later collective at once and
 * aborts the whole job ({@code MPI_Abort}, which makes mpirun end every rank and exit non-zero) at
 * {@link #close()} or one timeout after the failure, whichever comes first, so that no rank waits
 * forever.
 *
 * <p>Results: every rank gets the same values, since Open MPI's all-reduce algorithms for a
 * commutative sum hand every rank the same reduced data. The order of the additions is Open MPI's
 * choice, which depends on the world size and the message size; it is fixed for a given job shape
 * and Open MPI version, so a rerun gives the same values, but it may differ from the rank order of
 * {@link LocalProcessGroup} by float rounding. AVG divides the sum by the world size afterwards.
 *
 * <p>Ranks must call collectives with matching sizes: MPI does not check them, and a mismatch ends
 * in an MPI error (which aborts the job) or a timeout.
 */
public final class MpiProcessGroup implements ProcessGroup {
    private static final Logger LOG = LoggerFactory.getLogger(MpiProcessGroup.class);
    /** MPI can be initialised once per process, so there is at most one group. */
    private static final AtomicBoolean CREATED = new AtomicBoolean();
    /** The exit code MPI_Abort gives mpirun after a failed collective. */
    static final int ABORT_CODE = 3;

    private final ScheduledExecutorService worker;
    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private long nextSequence;
    private volatile boolean closed;
    private String failure; // the collective that broke the group; read and written by the worker only

    private MpiProcessGroup(ScheduledExecutorService worker, int rank, int worldSize, Duration timeout) {
        this.worker = worker;
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeout = timeout;
    }

    /** Whether Open MPI can be loaded here; {@link #create} says why not. */
    public static boolean isAvailable() {
        return new MpiGroupFactory().unavailableReason().isEmpty();
    }

    /**
     * Joins the MPI job this process belongs to; its rank and world size come from mpirun.
     *
     * @param timeout the time any one collective may wait for its peers
     * @throws IllegalStateException if Open MPI cannot be loaded, this process was not started by
     *     mpirun, or a group was created before in this process; the message says how to fix it
     */
    public static MpiProcessGroup create(Duration timeout) {
        return join(0, timeout);
    }

    /**
     * Like {@link #create(Duration)}, and also refuses a job whose world size is not
     * {@code expectedWorldSize} (every rank refuses and leaves MPI, so the job ends cleanly).
     */
    public static MpiProcessGroup create(int expectedWorldSize, Duration timeout) {
        if (expectedWorldSize < 1) throw new IllegalArgumentException("expected world size must be positive, got " + expectedWorldSize);
        return join(expectedWorldSize, timeout);
    }

    /** {@code expectedWorldSize} 0 accepts any world size. */
    private static MpiProcessGroup join(int expectedWorldSize, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        if (!CREATED.compareAndSet(false, true)) {
            throw new IllegalStateException("an MPI process group was already created in this process: MPI can be "
                    + "initialised only once, so use that group");
        }
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "anvil-mpi-collectives");
            t.setDaemon(true);
            return t;
        });
        try {
            int[] rankAndSize = onWorker(worker, () -> {
                Mpi.unavailableReason().ifPresent(why -> {
                    throw new IllegalStateException("MPI process group: " + why);
                });
                Mpi.init();
                int size = Mpi.size();
                if (expectedWorldSize > 0 && size != expectedWorldSize) {
                    Mpi.shutdown();
                    throw new IllegalStateException("mpirun started " + size + " processes but this job expects "
                            + expectedWorldSize + " ranks: start it with mpirun -np " + expectedWorldSize);
                }
                return new int[] {Mpi.rank(), size};
            });
            return new MpiProcessGroup(worker, rankAndSize[0], rankAndSize[1], timeout);
        } catch (RuntimeException e) {
            worker.shutdown();
            CREATED.set(false);
            throw e instanceof AnvilException ? new IllegalStateException("MPI process group: " + e.getMessage(), e) : e;
        }
    }

    /** Runs setup on the worker, the one thread that calls MPI, and rethrows its failure here. */
    private static <T> T onWorker(ScheduledExecutorService worker, Callable<T> task) {
        try {
            return worker.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting MPI", e);
        }
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
        long n = t.numel();
        return submit("allReduce(" + op + ")", n * Float.BYTES, deadlineMs -> {
            Mpi.allReduceSum(t, deadlineMs);
            if (op == ReduceOp.AVG) {
                for (int i = 0; i < n; i++) data.put(i, data.get(i) / worldSize);
            }
        });
    }

    @Override
    public void broadcast(Tensor t, int root) {
        Objects.checkIndex(root, worldSize);
        CollectiveCall.floats(t);
        submit("broadcast(root " + root + ")", t.numel() * Float.BYTES, ms -> Mpi.broadcast(t, root, ms)).await();
    }

    @Override
    public void barrier() {
        submit("barrier", 0, Mpi::barrier).await();
    }

    /** Two MPI all-gathers under one deadline: the lengths, then the bytes padded to the longest. */
    @Override
    public byte[][] allGather(byte[] mine) {
        Objects.requireNonNull(mine, "mine");
        byte[] copy = mine.clone();
        byte[][] out = new byte[worldSize][];
        submit("allGather", copy.length, ms -> {
            long start = System.nanoTime();
            byte[][] lengthBlocks = Mpi.allGather(ByteBuffer.allocate(Integer.BYTES).putInt(copy.length).array(), Integer.BYTES, ms);
            int[] lengths = new int[worldSize];
            int longest = 0;
            for (int r = 0; r < worldSize; r++) {
                lengths[r] = ByteBuffer.wrap(lengthBlocks[r]).getInt();
                longest = Math.max(longest, lengths[r]);
            }
            byte[][] blocks = new byte[worldSize][0];
            if (longest > 0) {
                long left = ms - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                blocks = Mpi.allGather(copy, longest, Math.max(1, left));
            }
            for (int r = 0; r < worldSize; r++) {
                out[r] = Arrays.copyOf(blocks[r], lengths[r]);
            }
        }).await();
        return out;
    }

    /**
     * Finalises MPI, or, after a failed collective, aborts the job. Peers waiting for this rank in a
     * collective are not released by a clean close: they time out. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            worker.submit(() -> {
                if (failure != null) abortJob();
                Mpi.shutdown();
                return null;
            }).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new CollectiveException("rank " + rank + ": leaving MPI failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new CollectiveException("rank " + rank + ": MPI_Finalize not complete after " + timeout.toMillis()
                    + " ms: some ranks have not closed their groups");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            worker.shutdown();
        }
    }

    @Override
    public String toString() {
        return "MpiProcessGroup(rank " + rank + " of " + worldSize + ")";
    }

    // ------------------------------------------------------------------ execution


    /** Queues one collective on the worker; {@code body} gets the timeout in milliseconds. */
    private Work submit(String operation, long bytes, LongConsumer body) {
        CollectiveCall call = new CollectiveCall(rank, nextSequence, operation, bytes);
        Work work = QueuedWork.enqueue(call, closed, worker, () -> execute(call, body), timeout);
        nextSequence++;
        return work;
    }

    private void execute(CollectiveCall call, LongConsumer body) {
        if (failure != null) throw new CollectiveException(call.describe() + " failed: the group was aborted after " + failure);
        long ms = Math.max(1, timeout.toMillis());
        try {
            body.accept(ms);
        } catch (AnvilException e) {
            if (e.status() != AnvilException.Status.TIMEOUT) {
                throw new CollectiveException(call.describe() + " failed: " + e.getMessage(), e);
            }
            failure = call.describe() + " timed out after " + ms + " ms";
            // The peers may wait in this collective forever: end the job if the owner does not close.
            worker.schedule(this::abortJob, ms, TimeUnit.MILLISECONDS);
            throw new CollectiveException(failure + " waiting for its peers (MPI cannot tell which ranks did not "
                    + "arrive: " + e.getMessage() + "); the MPI job will be aborted", e);
        }
    }

    /** Runs on the worker; does not return. */
    private void abortJob() {
        LOG.error("aborting the MPI job (exit code {}) after {}", ABORT_CODE, failure);
        Mpi.abort(ABORT_CODE);
    }
}
