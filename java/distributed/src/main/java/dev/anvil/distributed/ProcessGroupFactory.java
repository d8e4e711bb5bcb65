package dev.anvil.distributed;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Makes the {@link ProcessGroup}s of one backend, by name ({@code "tcp"}, {@code "mpi"}, ...).
 * {@link ProcessGroups} knows the built-in backends; another one is plugged in by a class that
 * implements this interface, listed in
 * {@code META-INF/services/dev.anvil.distributed.ProcessGroupFactory} (found by
 * {@link java.util.ServiceLoader}) or passed to {@link ProcessGroups#register}.
 */
public interface ProcessGroupFactory {
    /** The backend's name, as given to {@code --backend}. */
    String name();

    /** Why the backend cannot be used here (e.g. a native library is missing), or empty if it can. */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /**
     * Joins this process's group as described by {@code env}.
     *
     * @param timeout the time the rendezvous and every collective may wait for peers
     */
    ProcessGroup create(DistributedEnvironment env, Duration timeout) throws IOException;
}
