package dev.anvil.cli;

import dev.anvil.distributed.DistributedEnvironment;
import dev.anvil.distributed.TcpStoreServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code anvil launch}: starts the worker JVMs of this node, each with RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR and MASTER_PORT set, hosts the rendezvous store on node 0, prefixes
 * each worker's output lines with its rank, and stops the others when one fails.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = "Start N worker processes of an anvil command (e.g. train) for data-parallel training.")
final class LaunchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LaunchCommand.class);
    /** Time the other workers get to exit after one failed, before they are killed. */
    private static final long GRACE_SECONDS = 10;
    /** How long a failure that only lost its peers waits for the failure that caused it. */
    private static final long ROOT_CAUSE_SECONDS = 3;
    /** Error lines of a failed worker repeated at the end. */
    private static final int LAST_LINES = 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--nproc-per-node", required = true, description = "Worker processes on this node.")
    int nprocPerNode;

    @Option(names = "--nnodes", defaultValue = "1", description = "Nodes in the job (default: ${DEFAULT-VALUE}).")
    int nnodes;

    @Option(names = "--node-rank", defaultValue = "0", description = "This node's index, 0 hosts the store (default: ${DEFAULT-VALUE}).")
    int nodeRank;

    @Option(names = "--master", description = "HOST:PORT of the store on node 0 (default: 127.0.0.1 and a free port, one node only).")
    String master;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds the rendezvous and each collective may wait (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The anvil command each worker runs, after --, e.g. -- train --epochs 1.")
    List<String> command;

    /** One worker: its process, and the last lines it wrote to stderr. */
    private record Worker(int rank, Process process, Deque<String> lastErrors, List<Thread> pumps) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        validate();
        String host = master == null ? DistributedEnvironment.DEFAULT_MASTER_ADDRESS : master.substring(0, master.lastIndexOf(':'));
        int port = master == null ? 0 : Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        TcpStoreServer store = nodeRank == 0 ? TcpStoreServer.start(InetAddress.getByName(host), port) : null;
        List<Worker> workers = new ArrayList<>();
        Thread stopOnExit = new Thread(() -> workers.forEach(w -> w.process().destroyForcibly()), "anvil-launch-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            int storePort = store != null ? store.port() : port;
            for (int local = 0; local < nprocPerNode; local++) workers.add(start(local, host, storePort, out, err));
            return supervise(workers, err);
        } finally {
            if (store != null) store.close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    private void validate() {
        if (nprocPerNode <= 0) throw new IllegalArgumentException("--nproc-per-node must be positive, got " + nprocPerNode);
        if (nnodes <= 0) throw new IllegalArgumentException("--nnodes must be positive, got " + nnodes);
        if (nodeRank < 0 || nodeRank >= nnodes) throw new IllegalArgumentException("--node-rank must be in 0.." + (nnodes - 1) + ", got " + nodeRank);
        if (timeoutSeconds <= 0) throw new IllegalArgumentException("--timeout must be positive, got " + timeoutSeconds);
        if (master == null && nnodes > 1) throw new IllegalArgumentException("--nnodes " + nnodes + " needs --master HOST:PORT (node 0's address, the same on every node)");
        if (master != null && !master.matches(".+:\\d{1,5}")) throw new IllegalArgumentException("--master must be HOST:PORT, got '" + master + "'");
    }

    private Worker start(int local, String host, int port, PrintWriter out, PrintWriter err) throws IOException {
        int rank = nodeRank * nprocPerNode + local;
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("anvil.")) cmd.add("-D" + name + "=" + System.getProperty(name));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OMPI_COMM_WORLD_") || k.startsWith("SLURM_"));
        env.put("RANK", Integer.toString(rank));
        env.put("WORLD_SIZE", Integer.toString(nnodes * nprocPerNode));
        env.put("LOCAL_RANK", Integer.toString(local));
        env.put("MASTER_ADDR", host);
        env.put("MASTER_PORT", Integer.toString(port));
        env.put(DistributedEnvironment.STORE_HOSTED_VARIABLE, "1");
        env.put("ANVIL_TIMEOUT", Integer.toString(timeoutSeconds));
        Process p = pb.start();
        LOG.debug("started rank {} as process {}", rank, p.pid());
        Deque<String> lastErrors = new ArrayDeque<>();
        List<Thread> pumps = List.of(pump(p.getInputStream(), rank, out, null), pump(p.getErrorStream(), rank, err, lastErrors));
        return new Worker(rank, p, lastErrors, pumps);
    }

    /** Copies a worker's stream line by line, prefixed with its rank. */
    private static Thread pump(InputStream in, int rank, PrintWriter to, Deque<String> keep) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (to) {
                        to.println("[rank " + rank + "] " + line);
                        to.flush();
                    }
                    if (keep != null) {
                        synchronized (keep) {
                            keep.addLast(line);
                            if (keep.size() > LAST_LINES) keep.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debug("rank {}: output closed: {}", rank, e.toString());
            }
        }, "anvil-launch-output-" + rank);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits for the workers; at the first failure stops the others and returns its exit code. When
     * one worker fails its peers usually fail right after it (their collectives lose it), so the
     * worker reported is the first to exit with a failure of its own; one that failed only because
     * it lost its peers (exit code {@link Main#PEER_FAILED}) is reported when no other failed
     * within a few seconds.
     */
    private int supervise(List<Worker> workers, PrintWriter err) throws InterruptedException {
        Map<Worker, Long> exitedAt = new ConcurrentHashMap<>();
        for (Worker w : workers) w.process().onExit().thenRun(() -> exitedAt.put(w, System.nanoTime()));
        List<Worker> running = new ArrayList<>(workers);
        List<Worker> failed = new ArrayList<>();
        long graceEnd = Long.MAX_VALUE;
        while (!running.isEmpty()) {
            CompletableFuture<Object> any = CompletableFuture.anyOf(running.stream().map(w -> w.process().onExit())
                    .toArray(CompletableFuture[]::new));
            long wait = graceEnd - System.nanoTime();
            if (graceEnd == Long.MAX_VALUE) any.join();
            else if (wait > 0) any.completeOnTimeout(null, wait, TimeUnit.NANOSECONDS).join();
            for (Worker w : List.copyOf(running)) {
                if (w.process().isAlive()) continue;
                w.process().onExit().join(); // its exit time is recorded
                running.remove(w);
                if (w.process().exitValue() != 0) failed.add(w);
            }
            if (failed.isEmpty()) continue;
            boolean ownFailure = failed.stream().anyMatch(w -> w.process().exitValue() != Main.PEER_FAILED);
            if (!ownFailure && graceEnd == Long.MAX_VALUE) graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(ROOT_CAUSE_SECONDS);
            if (!ownFailure && System.nanoTime() < graceEnd && !running.isEmpty()) continue;
            Worker first = failed.stream().min(Comparator.comparing((Worker w) -> w.process().exitValue() == Main.PEER_FAILED)
                    .thenComparingLong(w -> exitedAt.getOrDefault(w, Long.MAX_VALUE))).get();
            int code = first.process().exitValue();
            drain(first);
            stop(running);
            synchronized (err) {
                err.println("anvil launch: rank " + first.rank() + " failed with exit code " + code + "; its last error lines:");
                synchronized (first.lastErrors()) {
                    for (String line : first.lastErrors()) err.println("  " + line);
                }
                err.flush();
            }
            return code;
        }
        for (Worker w : workers) drain(w);
        return 0;
    }

    /** Asks the workers to stop, then kills those still running after the grace period. */
    private static void stop(List<Worker> workers) throws InterruptedException {
        workers.forEach(w -> w.process().destroy());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        for (Worker w : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !w.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                LOG.warn("rank {} did not stop within {} s; killing it", w.rank(), GRACE_SECONDS);
                w.process().destroyForcibly();
            }
        }
        for (Worker w : workers) drain(w);
    }

    /** Waits (briefly) until a worker's output is copied. */
    private static void drain(Worker w) throws InterruptedException {
        for (Thread t : w.pumps()) t.join(TimeUnit.SECONDS.toMillis(GRACE_SECONDS));
    }
}
