package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.distributed.CollectiveException;
import dev.anvil.distributed.DistributedEnvironment;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.distributed.ProcessGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A world of one backend ("local": threads sharing memory, "tcp": threads connected by loopback
 * sockets) whose ranks 1.. repeat one collective step on their own threads for as long as rank 0
 * (the benchmark thread) keeps calling it; {@link #close()} makes rank 0 leave, which ends the
 * peers' pending step. Each peer computes on a CPU context of its own with an equal share of the
 * native threads; rank 0 opens its own with {@link #share}.
 */
final class PeerRanks implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final ProcessGroup rank0;
    private final List<Thread> peers = new ArrayList<>();

    /** Starts ranks 1..size-1 of {@code backend}, each looping {@code step.accept(group)}. */
    PeerRanks(String backend, int size, Consumer<ProcessGroup> step) {
        DistributedEnvironment env = new DistributedEnvironment(0, size, 0, "127.0.0.1", freePort(), false, "benchmark");
        for (int r = 1; r < size; r++) {
            DistributedEnvironment mine = env.withRank(r);
            int threads = share(size);
            Thread t = new Thread(() -> {
                try (Anvil.ThreadContext context = Anvil.threadContext(threads);
                     ProcessGroup g = ProcessGroups.create(backend, mine, TIMEOUT)) {
                    for (;;) step.accept(g);
                } catch (CollectiveException e) {
                    // rank 0 left: the benchmark is over
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "bench-rank-" + r);
            t.setDaemon(true);
            t.start();
            peers.add(t);
        }
        try {
            rank0 = ProcessGroups.create(backend, env, TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each rank's share of the native threads. */
    static int share(int size) {
        return Math.max(1, Anvil.numThreads() / size);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The group of rank 0, for the benchmark thread. */
    ProcessGroup rank0() {
        return rank0;
    }

    @Override
    public void close() throws InterruptedException {
        rank0.close();
        for (Thread t : peers) t.join();
    }
}
