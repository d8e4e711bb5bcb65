package dev.anvil.tune.storage;

import java.io.IOException;
import java.util.List;

/**
 * Where a study's events live: an append-only sequence that several writers share. Writers
 * append only inside {@link #locked}, which first brings the caller up to date, so that a
 * decision (the next trial number, a sampler's choice) is made on every event before it.
 */
public interface EventLog extends AutoCloseable {
    /** Events appended (by anyone) since the last call, in order. */
    List<Event> poll() throws IOException;

    /**
     * Runs {@code body} holding the log's exclusive lock. {@code body} gets the events appended
     * since the last {@link #poll} (they count as polled) and may append. Each appended event is
     * durable when {@code append} returns, which returns it as read back from its line; appended
     * events count as polled too.
     */
    <T> T locked(Body<T> body) throws IOException;

    /** What a locked body may do. */
    interface Transaction {
        List<Event> fresh();

        Event append(Event e) throws IOException;
    }

    @FunctionalInterface
    interface Body<T> {
        T run(Transaction tx) throws IOException;
    }

    /** A description for messages, e.g. the file name. */
    String describe();

    @Override
    void close() throws IOException;
}
