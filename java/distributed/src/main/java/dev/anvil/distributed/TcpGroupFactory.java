package dev.anvil.distributed;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * The {@code "tcp"} backend: a {@link TcpProcessGroup} whose ranks meet in the store at the
 * master address. Rank 0 hosts the store unless {@code anvil launch} already does
 * ({@link DistributedEnvironment#storeHosted()}).
 */
final class TcpGroupFactory implements ProcessGroupFactory {
    /** Key prefix of the group's entries in the store. */
    static final String PREFIX = "tcp";

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public ProcessGroup create(DistributedEnvironment env, Duration timeout) throws IOException {
        return joinThroughStore(env, timeout, (store, onClose) ->
                TcpProcessGroup.join(store, PREFIX, env.rank(), env.worldSize(), timeout, onClose::run));
    }

    /** Joins a group given the store and what closing the group must release. */
    interface StoreJoin {
        ProcessGroup join(TcpStore store, Runnable onClose) throws IOException;
    }

    /**
     * Connects to the store at the master address (hosting it on rank 0 unless the launcher does)
     * and joins a group through it; the group closes the store (and server) when it is closed.
     */
    static ProcessGroup joinThroughStore(DistributedEnvironment env, Duration timeout, StoreJoin join) throws IOException {
        TcpStoreServer server = env.rank() == 0 && !env.storeHosted()
                ? TcpStoreServer.start(InetAddress.getByName(env.masterAddress()), env.masterPort()) : null;
        TcpStore store = null;
        try {
            store = TcpStore.connect(env.masterAddress(), env.masterPort(), timeout);
            TcpStore client = store;
            return join.join(store, () -> {
                client.close();
                if (server != null) server.close();
            });
        } catch (IOException | RuntimeException e) {
            if (store != null) store.close();
            if (server != null) server.close();
            throw e;
        }
    }
}
