package dev.anvil.tune;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a study's trials in worker JVMs on this machine, {@code workers} at a time, each with its
 * share of the cores ({@code -Danvil.threads=threadsPerWorker}: the native thread pool is one per
 * process, so processes, not threads, give each trial its own cores). The study must exist in the
 * journal. A worker that dies (crash, {@code kill -9}) loses only its running trial, which is
 * marked LOST at once and retried; a replacement worker starts while the budget is not spent.
 * Worker output goes to {@code <journal>.workers/worker-K.log}. The workers halt when this process
 * dies.
 */
public final class ProcessWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessWorkers.class);
    /** A slot whose workers die this many times in a row without a trial finishing stops the run. */
    static final int MAX_CONSECUTIVE_FAILURES = 3;

    private final WorkerSpec spec;
    private final int workers;
    private final int threadsPerWorker;
    private final List<String> jvmArgs;

    public ProcessWorkers(WorkerSpec spec, int workers, int threadsPerWorker, List<String> jvmArgs) {
        if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (threadsPerWorker < 0) throw new IllegalArgumentException("threadsPerWorker must be >= 0, got " + threadsPerWorker);
        this.spec = spec;
        this.workers = workers;
        this.threadsPerWorker = threadsPerWorker;
        this.jvmArgs = List.copyOf(jvmArgs);
    }

    /** The command line of one worker. */
    List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java"));
        cmd.add("--enable-native-access=ALL-UNNAMED"); // JDK 24+ warns about JNI without it; 17-23 accept it
        if (threadsPerWorker > 0) cmd.add("-Danvil.threads=" + threadsPerWorker);
        String binding = System.getProperty("anvil.binding");
        if (binding != null && !binding.isEmpty()) cmd.add("-Danvil.binding=" + binding);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WorkerMain.class.getName());
        cmd.addAll(spec.toArgs());
        cmd.add("--exit-with-parent");
        return cmd;
    }

    private Path logFile(int slot) throws IOException {
        Path dir = Path.of(spec.journal() + ".workers");
        Files.createDirectories(dir);
        return dir.resolve("worker-" + slot + ".log");
    }

    private Process start(int slot) throws IOException {
        Path log = logFile(slot);
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        LOG.info("worker {} started (pid {}), log {}", slot, p.pid(), log);
        return p;
    }

    /**
     * Runs until every worker has ended with the budget spent. {@code study} (open on the same
     * journal) marks lost trials at once; {@code tick} runs every 200 ms (e.g. to print progress).
     *
     * @throws IOException when workers keep failing (their last log lines in the message)
     */
    public void run(Study study, Runnable tick) throws IOException, InterruptedException {
        Process[] procs = new Process[workers];
        int[] failures = new int[workers];
        int[] finishedAtStart = new int[workers];
        try {
            for (int i = 0; i < workers; i++) {
                procs[i] = start(i);
                finishedAtStart[i] = finished(study);
            }
            int alive = workers;
            while (alive > 0) {
                Thread.sleep(200);
                tick.run();
                killTimedOut(study, procs);
                alive = 0;
                for (int i = 0; i < workers; i++) {
                    if (procs[i] == null) continue;
                    if (procs[i].isAlive()) {
                        alive++;
                        continue;
                    }
                    int code = procs[i].exitValue();
                    if (code == 0) {
                        procs[i] = null;
                        continue;
                    }
                    study.reapLost();
                    int done = finished(study);
                    failures[i] = done > finishedAtStart[i] ? 1 : failures[i] + 1;
                    LOG.warn("worker {} exited with code {}", i, code);
                    if (failures[i] >= MAX_CONSECUTIVE_FAILURES) {
                        throw new IOException("worker " + i + " failed " + failures[i] + " times in a row (exit code " + code + "); last lines of "
                                + logFile(i) + ":\n" + tail(logFile(i), 15));
                    }
                    if (study.countedTrials() < spec.trials()) {
                        procs[i] = start(i);
                        finishedAtStart[i] = done;
                        alive++;
                    } else {
                        procs[i] = null;
                    }
                }
            }
            tick.run();
        } finally {
            for (Process p : procs) {
                if (p != null && p.isAlive()) p.destroyForcibly();
            }
        }
    }

    /**
     * A trial failed by the trial timeout may still hold its worker (an objective that hangs does
     * not see the interrupt): a worker of ours whose latest trial is such a trial is killed, and
     * replaced as any worker that dies.
     */
    private static void killTimedOut(Study study, Process[] procs) {
        List<FrozenTrial> trials = study.trials();
        for (Process p : procs) {
            if (p == null || !p.isAlive()) continue;
            FrozenTrial latest = null;
            for (FrozenTrial t : trials) {
                if (t.worker().pid() == p.pid() && t.worker().host().equals(WorkerId.current().host())) latest = t;
            }
            if (latest != null && latest.state() == TrialState.FAILED && latest.reason() != null && latest.reason().contains(Study.TIMEOUT_REASON)) {
                LOG.warn("trial {} timed out: killing its worker (pid {})", latest.number(), p.pid());
                p.destroyForcibly();
            }
        }
    }

    private static int finished(Study study) {
        int n = 0;
        for (FrozenTrial t : study.trials()) if (t.state().isFinished() && t.state() != TrialState.LOST) n++;
        return n;
    }

    static String tail(Path file, int lines) throws IOException {
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** A tick that prints each trial as it finishes, with the best value among those printed so far. */
    public static Runnable printer(StudyWatcher watcher, Consumer<String> out) {
        List<FrozenTrial> printed = new ArrayList<>();
        return () -> {
            try {
                for (FrozenTrial t : watcher.poll()) {
                    printed.add(t);
                    out.accept(Trials.line(t, Trials.best(printed, watcher.direction())));
                }
            } catch (IOException e) {
                LOG.warn("cannot read the journal: {}", e.toString());
            }
        };
    }
}
