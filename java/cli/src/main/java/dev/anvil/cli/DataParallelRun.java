package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.data.Dataset;
import dev.anvil.distributed.DistributedEnvironment;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.distributed.ProcessGroups;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the ranks of data-parallel {@code anvil train} in this process: the one rank the
 * environment describes (a worker of {@code anvil launch}, mpirun or srun), or {@code --ranks N}
 * ranks as threads that meet on a free loopback port. Each rank joins its process group and runs
 * {@link DistributedTraining}, or {@link DpTraining} with {@code --dp}.
 */
final class DataParallelRun {
    private static final Logger LOG = LoggerFactory.getLogger(DataParallelRun.class);

    private final TrainCommand options;
    private final DistributedEnvironment env;
    private final PrintWriter out;

    DataParallelRun(TrainCommand options, DistributedEnvironment env, PrintWriter out) {
        this.options = options;
        this.env = env;
        this.out = out;
    }

    void run(Dataset train, Dataset test) throws IOException {
        String backend = options.backend != null ? options.backend : env.isDistributed() || options.ranks > 1 ? ProcessGroups.defaultBackend() : "local";
        Duration timeout = Duration.ofSeconds(options.timeoutSeconds);
        if (options.ranks == 1) {
            LOG.info("{}, backend {}", env, backend);
            runRank(backend, env, timeout, train, test);
            return;
        }
        if (env.isDistributed()) {
            throw new IllegalArgumentException("--ranks " + options.ranks + " runs ranks as threads of this process, but the environment already makes it "
                    + env + "; drop --ranks or run outside the launcher");
        }
        DistributedEnvironment threads = new DistributedEnvironment(0, options.ranks, 0, "127.0.0.1", freePort(), false, "--ranks");
        ExecutorService pool = Executors.newFixedThreadPool(options.ranks);
        // Each rank thread computes on a CPU context of its own with its share of the threads.
        int share = Math.max(1, Anvil.numThreads() / options.ranks);
        try {
            List<Future<?>> ranks = new ArrayList<>();
            for (int r = 0; r < options.ranks; r++) {
                DistributedEnvironment rankEnv = threads.withRank(r);
                ranks.add(pool.submit(() -> {
                    try (Anvil.ThreadContext context = Anvil.threadContext(share)) {
                        runRank(backend, rankEnv, timeout, train, test);
                    }
                    return null;
                }));
            }
            firstFailure(ranks);
        } finally {
            pool.shutdownNow();
        }
    }

    private void runRank(String backend, DistributedEnvironment rankEnv, Duration timeout, Dataset train, Dataset test) throws IOException {
        Device device = "nccl".equals(backend) ? Device.cuda(rankEnv.localRank()) : Device.cpu();
        try (ProcessGroup group = ProcessGroups.create(backend, rankEnv, timeout)) {
            if (options.dp) new DpTraining(options, out).run(train, test, device, group);
            else new DistributedTraining(options, group, device, out).run(train, test);
        }
    }

    /** Waits for every rank; rethrows the failure of the first rank (in rank order) that failed. */
    private static void firstFailure(List<Future<?>> ranks) throws IOException {
        Throwable first = null;
        for (Future<?> f : ranks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) first = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the ranks", e);
            }
        }
        if (first instanceof IOException io) throw io;
        if (first instanceof RuntimeException re) throw re;
        if (first instanceof Error err) throw err;
        if (first != null) throw new UncheckedIOException(new IOException(first));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
