package dev.anvil.distributed;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A collective queued on a group's worker thread, which bounds it by the group's timeout. */
final class QueuedWork implements Work {
    private final CollectiveCall call;
    private final CompletableFuture<Void> done;
    private final Duration groupTimeout;

    QueuedWork(CollectiveCall call, CompletableFuture<Void> done, Duration groupTimeout) {
        this.call = call;
        this.done = done;
        this.groupTimeout = groupTimeout;
    }

    /**
     * Queues {@code body}, the execution of {@code call}, on {@code worker}, the group's one
     * collective thread, so collectives run in call order; a closed group refuses it.
     */
    static Work enqueue(CollectiveCall call, boolean closed, Executor worker, Runnable body, Duration groupTimeout) {
        if (closed) throw new CollectiveException(call.describe() + " refused: the group is closed");
        try {
            return new QueuedWork(call, CompletableFuture.runAsync(body, worker), groupTimeout);
        } catch (RejectedExecutionException e) {
            throw new CollectiveException(call.describe() + " refused: the group is closed", e);
        }
    }

    @Override
    public boolean isDone() {
        return done.isDone();
    }

    /** Waits until the worker finishes it; the worker bounds each collective by the group's timeout. */
    @Override
    public void await() {
        try {
            done.join();
        } catch (CompletionException | CancellationException e) {
            throw failure(e.getCause() == null ? e : e.getCause());
        }
    }

    @Override
    public void await(Duration timeout) {
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new CollectiveException(call.describe() + " not complete after " + timeout.toMillis()
                    + " ms (the group's timeout is " + groupTimeout.toMillis() + " ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(call.describe() + ": interrupted while waiting for it", e);
        }
    }

    /** The worker's failure, rethrown with the caller's stack trace. */
    private CollectiveException failure(Throwable cause) {
        return new CollectiveException(cause instanceof CollectiveException ? cause.getMessage() : call.describe() + " failed: " + cause,
                cause);
    }
}
