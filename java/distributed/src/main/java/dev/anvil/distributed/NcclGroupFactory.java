package dev.anvil.distributed;

import dev.anvil.Device;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code "nccl"} backend: an {@link NcclProcessGroup} on GPU {@code cuda:LOCAL_RANK}, whose
 * ranks meet in the store at the master address (rank 0 hosts it unless {@code anvil launch}
 * does). Unavailable, saying why, without a usable GPU or without libnccl.so.2.
 */
final class NcclGroupFactory implements ProcessGroupFactory {
    /** Key prefix of the group's entries in the store. */
    static final String PREFIX = "nccl";

    @Override
    public String name() {
        return "nccl";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(NcclProcessGroup.unavailableReason());
    }

    @Override
    public ProcessGroup create(DistributedEnvironment env, Duration timeout) throws IOException {
        Device device = Device.cuda(env.localRank());
        return TcpGroupFactory.joinThroughStore(env, timeout, (store, onClose) ->
                NcclProcessGroup.join(store, PREFIX, env.rank(), env.worldSize(), device, timeout, onClose));
    }
}
