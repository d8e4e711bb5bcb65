package dev.anvil.distributed;

import dev.anvil.Anvil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ranks of one {@link LocalProcessGroup} world: threads of this JVM that exchange data
 * through shared memory. Hand {@link #group(int)} to the thread that runs each rank, or let
 * {@link #run} start those threads.
 *
 * <pre>{@code
 * try (LocalWorld world = LocalProcessGroup.create(2, Duration.ofMinutes(5))) {
 *     List<Float> results = world.run(group -> train(group));
 * }
 * }</pre>
 */
public final class LocalWorld implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWorld.class);

    private final int size;
    private final Duration timeout;
    private final List<LocalProcessGroup> groups = new ArrayList<>();
    private final Map<Long, Meeting> meetings = new HashMap<>(); // guarded by this
    private final boolean[] left; // guarded by this
    private String abortReason; // guarded by this; set when a collective timed out

    /** The calls of one sequence number: who has arrived with what, and who has left it. */
    private static final class Meeting {
        final Contribution[] arrived;
        final boolean[] departed;
        int arrivals;
        int departures;

        Meeting(int size) {
            arrived = new Contribution[size];
            departed = new boolean[size];
        }
    }

    /**
     * What one rank brings to a collective.
     *
     * @param call the rank's call
     * @param sizeMustMatch whether every rank must bring the same number of bytes
     * @param payload the data (a buffer, a byte array) or null
     */
    record Contribution(CollectiveCall call, boolean sizeMustMatch, Object payload) {}

    LocalWorld(int size, Duration timeout) {
        this.size = size;
        this.timeout = timeout;
        this.left = new boolean[size];
        for (int r = 0; r < size; r++) groups.add(new LocalProcessGroup(this, r));
        LOG.debug("local world of {} ranks, collective timeout {}", size, timeout);
    }

    /** Number of ranks. */
    public int size() {
        return size;
    }

    /** The time any one collective may wait for its peers. */
    public Duration timeout() {
        return timeout;
    }

    /** The group of rank {@code rank}, to be used by one thread only. */
    public ProcessGroup group(int rank) {
        return groups.get(Objects.checkIndex(rank, size));
    }

    /** The work of one rank, given its group. */
    @FunctionalInterface
    public interface RankTask<T> {
        T run(ProcessGroup group) throws Exception;
    }

    /**
     * Runs {@code task} on one new thread per rank and returns the results in rank order. Each rank
     * thread has a CPU context of its own ({@link Anvil#threadContext}) with an equal share of the
     * caller's native threads, so that the ranks compute at once. A rank that throws leaves the
     * group, so that its peers fail at once instead of waiting for it.
     *
     * @throws RuntimeException or Error: the failure of the rank that failed first, with the
     *     other ranks' failures attached as suppressed exceptions; a checked exception comes
     *     wrapped in an {@link IllegalStateException}
     */
    public <T> List<T> run(RankTask<T> task) {
        Objects.requireNonNull(task, "task");
        Object[] results = new Object[size];
        Throwable[] failures = new Throwable[size];
        long[] failedAt = new long[size];
        Thread[] threads = new Thread[size];
        int share = Math.max(1, Anvil.numThreads() / size);
        for (int r = 0; r < size; r++) {
            int rank = r;
            threads[r] = new Thread(() -> {
                try (Anvil.ThreadContext context = Anvil.threadContext(share)) {
                    results[rank] = task.run(group(rank));
                } catch (Throwable t) {
                    failedAt[rank] = System.nanoTime();
                    failures[rank] = t;
                    group(rank).close();
                }
            }, "anvil-rank-" + r);
            threads[r].start();
        }
        joinAll(threads);
        int first = -1;
        for (int r = 0; r < size; r++) {
            if (failures[r] != null && (first < 0 || failedAt[r] < failedAt[first])) first = r;
        }
        if (first >= 0) throw firstFailure(first, failures);
        @SuppressWarnings("unchecked")
        List<T> out = (List<T>) Arrays.asList(results);
        return out;
    }

    private static void joinAll(Thread[] threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static RuntimeException firstFailure(int first, Throwable[] failures) {
        Throwable primary = failures[first];
        for (int r = 0; r < failures.length; r++) {
            if (r != first && failures[r] != null) primary.addSuppressed(failures[r]);
        }
        if (primary instanceof Error e) throw e;
        if (primary instanceof RuntimeException e) return e;
        return new IllegalStateException("rank " + first + " failed: " + primary, primary);
    }

    /** Closes every rank's group. */
    @Override
    public void close() {
        groups.forEach(LocalProcessGroup::close);
    }

    // ------------------------------------------------------------------ rendezvous

    /**
     * Registers {@code mine} for its sequence number and waits until every rank has, returning
     * all contributions by rank.
     */
    synchronized Contribution[] arrive(Contribution mine, long deadlineNanos) {
        CollectiveCall call = mine.call();
        if (abortReason != null) throw new CollectiveException(call.describe() + " failed: the group was aborted after " + abortReason);
        Meeting m = meetings.computeIfAbsent(call.sequence(), s -> new Meeting(size));
        m.arrived[call.rank()] = mine;
        m.arrivals++;
        notifyAll();
        while (m.arrivals < size) {
            awaitChange(call, "did not arrive", r -> m.arrived[r] == null, deadlineNanos);
        }
        return m.arrived.clone();
    }

    /**
     * Marks this rank done with its sequence number; with {@code waitForAll}, waits until every
     * rank is (so that nobody reads a buffer its owner has been given back).
     */
    synchronized void depart(CollectiveCall call, boolean waitForAll, long deadlineNanos) {
        Meeting m = meetings.get(call.sequence());
        m.departed[call.rank()] = true;
        m.departures++;
        if (m.departures == size) meetings.remove(call.sequence());
        notifyAll();
        while (waitForAll && m.departures < size) {
            awaitChange(call, "did not finish", r -> !m.departed[r], deadlineNanos);
        }
    }

    /** Marks {@code rank} gone: collectives waiting for it fail at once. */
    synchronized void leave(int rank) {
        left[rank] = true;
        notifyAll();
    }

    /** Waits for a change, or throws if the ranks still missing can no longer come in time. */
    private void awaitChange(CollectiveCall call, String what, IntPredicate missing, long deadlineNanos) {
        List<Integer> absent = IntStream.range(0, size).filter(missing).boxed().toList();
        if (abortReason != null) {
            throw new CollectiveException(call.describe() + " failed: ranks " + absent + " " + what
                    + "; the group was aborted after " + abortReason);
        }
        List<Integer> gone = absent.stream().filter(r -> left[r]).toList();
        if (!gone.isEmpty()) {
            throw new CollectiveException(call.describe() + " failed: ranks " + absent + " " + what + " (ranks " + gone
                    + " left the group)");
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            String failure = call.describe() + " timed out after " + timeout.toMillis() + " ms: ranks " + absent + " " + what;
            abortReason = failure;
            notifyAll();
            LOG.warn(failure);
            throw new CollectiveException(failure);
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(call.describe() + " interrupted while ranks " + absent + " " + what, e);
        }
    }
}
