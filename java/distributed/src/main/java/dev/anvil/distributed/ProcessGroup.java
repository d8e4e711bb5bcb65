package dev.anvil.distributed;

import dev.anvil.Tensor;
import java.time.Duration;

/**
 * A fixed set of {@link #worldSize()} ranks that run collective operations together. Every rank
 * must call the same collectives in the same order with matching arguments (tensor sizes, root,
 * reduction); each call gets the next sequence number of the group, which error messages quote.
 *
 * <p>Every collective is bounded by the group's {@link #timeout()}: when a peer does not arrive in
 * time, fails, or leaves the group, the call throws a {@link CollectiveException} naming this rank,
 * the operation, its sequence number, its size in bytes and the ranks that did not arrive. After a
 * timeout the group is unusable (its ranks no longer agree on sequence numbers) and every later
 * collective fails at once.
 *
 * <p>A group is used by one thread: the one that runs its rank. Tensors must be float32.
 */
public interface ProcessGroup extends AutoCloseable {
    /** This process's (or thread's) rank, in {@code [0, worldSize())}. */
    int rank();

    /** Number of ranks in the group. */
    int worldSize();

    /** The time any one collective may wait for its peers. */
    Duration timeout();

    /** Combines {@code t} across ranks in place: afterwards every rank holds the same values. */
    default void allReduce(Tensor t, ReduceOp op) {
        allReduceAsync(t, op).await();
    }

    /**
     * Starts {@link #allReduce} and returns at once; the result is in {@code t} once the returned
     * work is complete. Collectives run in the order they were called.
     */
    Work allReduceAsync(Tensor t, ReduceOp op);

    /** Copies {@code t} of rank {@code root} into {@code t} of every other rank. */
    void broadcast(Tensor t, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /** Every rank's bytes (which may differ in length), indexed by rank. */
    byte[][] allGather(byte[] mine);

    /** Leaves the group: peers waiting for this rank fail at once instead of timing out. */
    @Override
    void close();
}
