package dev.anvil.distributed;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code "local"} backend: ranks are threads of this JVM ({@link LocalProcessGroup}). Each
 * rank's thread calls {@link #create} with its own environment; calls with the same master
 * address and port join the same world, which is forgotten once every rank has its group.
 */
final class LocalGroupFactory implements ProcessGroupFactory {
    private final Map<String, Forming> forming = new HashMap<>(); // guarded by this

    /** A world whose ranks have not all taken their group yet. */
    private static final class Forming {
        final LocalWorld world;
        final boolean[] taken;
        int count;

        Forming(LocalWorld world) {
            this.world = world;
            this.taken = new boolean[world.size()];
        }
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public synchronized ProcessGroup create(DistributedEnvironment env, Duration timeout) {
        String key = env.masterAddress() + ":" + env.masterPort();
        Forming f = forming.computeIfAbsent(key, k -> new Forming(LocalProcessGroup.create(env.worldSize(), timeout)));
        if (f.world.size() != env.worldSize()) {
            throw new IllegalStateException("world size mismatch: a rank of the local world at " + key + " has a world size of "
                    + f.world.size() + ", rank " + env.rank() + " has " + env.worldSize() + "; give every rank the same world size");
        }
        if (f.taken[env.rank()]) {
            throw new IllegalStateException("rank " + env.rank() + " joined the local world at " + key
                    + " twice: every rank needs its own rank number in 0.." + (env.worldSize() - 1));
        }
        f.taken[env.rank()] = true;
        if (++f.count == f.taken.length) forming.remove(key);
        return f.world.group(env.rank());
    }
}
