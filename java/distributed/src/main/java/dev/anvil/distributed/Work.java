package dev.anvil.distributed;

import java.time.Duration;

/**
 * A collective started by an asynchronous call such as {@link ProcessGroup#allReduceAsync}. The
 * tensors it was given must stay open and untouched until it is complete.
 */
public interface Work {
    /** Whether the operation has finished, successfully or not. */
    boolean isDone();

    /**
     * Waits for the operation; returns at the latest after the group's timeout.
     *
     * @throws CollectiveException if it failed or timed out
     */
    void await();

    /**
     * Waits at most {@code timeout} for the operation.
     *
     * @throws CollectiveException if it failed, or is still running after {@code timeout}
     */
    void await(Duration timeout);
}
