package dev.anvil.bench;

import dev.anvil.distributed.CollectiveException;
import dev.anvil.distributed.LocalProcessGroup;
import dev.anvil.distributed.LocalWorld;
import dev.anvil.distributed.ProcessGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A local world whose ranks 1.. repeat one collective step on their own threads for as long as
 * rank 0 (the benchmark thread) keeps calling it; {@link #close()} makes rank 0 leave, which
 * ends the peers' pending step.
 */
final class PeerRanks implements AutoCloseable {
    private final LocalWorld world;
    private final List<Thread> peers = new ArrayList<>();

    /** Starts ranks 1..size-1, each looping {@code step.accept(group)}. */
    PeerRanks(int size, Consumer<ProcessGroup> step) {
        world = LocalProcessGroup.create(size);
        for (int r = 1; r < size; r++) {
            ProcessGroup g = world.group(r);
            Thread t = new Thread(() -> {
                try {
                    for (;;) step.accept(g);
                } catch (CollectiveException e) {
                    // rank 0 left: the benchmark is over
                }
            }, "bench-rank-" + r);
            t.setDaemon(true);
            t.start();
            peers.add(t);
        }
    }

    /** The group of rank 0, for the benchmark thread. */
    ProcessGroup rank0() {
        return world.group(0);
    }

    @Override
    public void close() throws InterruptedException {
        world.close();
        for (Thread t : peers) t.join();
    }
}
