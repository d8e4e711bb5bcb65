package dev.anvil.distributed;

import dev.anvil.Mpi;
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
        return Mpi.unavailableReason();
    }

    @Override
    public ProcessGroup create(DistributedEnvironment env, Duration timeout) {
        return MpiProcessGroup.create(env.worldSize(), timeout);
    }
}
