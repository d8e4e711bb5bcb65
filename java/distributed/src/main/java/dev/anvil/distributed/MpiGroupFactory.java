package dev.anvil.distributed;

import dev.anvil.AnvilException;
import dev.anvil.internal.Native;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code "mpi"} backend: an {@link MpiProcessGroup} of the job mpirun started; the world size
 * the environment announces must be mpirun's.
 */
final class MpiGroupFactory implements ProcessGroupFactory {
    @Override
    public String name() {
        return "mpi";
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            Native.mpiAvailable();
            return Optional.empty();
        } catch (AnvilException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public ProcessGroup create(DistributedEnvironment env, Duration timeout) {
        return MpiProcessGroup.create(env.worldSize(), timeout);
    }
}
