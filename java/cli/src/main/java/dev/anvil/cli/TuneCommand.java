package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.distributed.DistributedEnvironment;
import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Objective;
import dev.anvil.tune.ProcessWorkers;
import dev.anvil.tune.Study;
import dev.anvil.tune.StudyWatcher;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.Trials;
import dev.anvil.tune.WorkerSpec;
import dev.anvil.tune.objective.Objectives;
import dev.anvil.tune.report.HtmlReport;
import dev.anvil.tune.space.SearchSpace;
import dev.anvil.tune.space.SpaceJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anvil tune}: a hyperparameter search over a space file, with N trials, P at a time (worker
 * processes with a share of the cores each, or threads), a sampler and a pruner, kept in a journal
 * that {@code --resume} continues after any stop. Under {@code anvil launch} or {@code mpirun} each
 * rank is one worker of the same study (the journal on a file system they share).
 */
@Command(name = "tune", mixinStandardHelpOptions = true, subcommands = {TuneReportCommand.class, TuneTrainCommand.class, TuneBenchCommand.class},
        description = "Search hyperparameters: random, grid, TPE, GP, genetic or CMA-ES sampling, median or ASHA pruning, "
                + "parallel trials, a resumable journal.")
final class TuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--space", description = "Search space (JSON; see docs/tune.md). Optional for the test-function objectives.")
    Path space;

    @Option(names = "--journal", description = "The study's journal (JSON lines), created or continued (required).")
    Path journal;

    @Option(names = "--trials", defaultValue = "20", description = "Trials in the study, earlier runs' included; lost trials do not count "
            + "(default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--parallel", defaultValue = "1", description = "Trials at a time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--workers", defaultValue = "processes", description = "processes (one JVM per trial, its own cores) or threads "
            + "(one JVM; the native thread pool is shared) (default: ${DEFAULT-VALUE}).")
    String workers;

    @Option(names = "--sampler", defaultValue = "tpe", description = "random, grid, tpe, tpe-multivariate, gp, ga or cmaes (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--pruner", defaultValue = "none", description = "none, median or asha (default: ${DEFAULT-VALUE}).")
    String pruner;

    @Option(names = "--resume", description = "Continue the study the journal holds.")
    boolean resume;

    @Option(names = "--objective", defaultValue = Objectives.FMNIST, description = "fmnist-cnn, branin, hartmann6, rosenbrock4, noisy-hartmann6 "
            + "or a class implementing dev.anvil.tune.Objective (default: ${DEFAULT-VALUE}).")
    String objective;

    @Option(names = "--direction", description = "minimize or maximize (default: maximize for fmnist-cnn, whose value is an accuracy, else minimize).")
    String direction;

    @Option(names = "--name", defaultValue = "study", description = "Study name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--seed", description = "Seed of the sampler (default: random; kept in the journal).")
    Long seed;

    @Option(names = "--epochs", defaultValue = "2", description = "fmnist-cnn: epochs per trial (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--data", description = "fmnist-cnn: folder with the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--limit", description = "fmnist-cnn: train on the first N training images only.")
    Integer limit;

    @Option(names = "--val", defaultValue = "5000", description = "fmnist-cnn: validation images held out of the training set; "
            + "0 reports test accuracy instead (default: ${DEFAULT-VALUE}).")
    int val;

    @Option(names = "--reports-per-epoch", defaultValue = "2", description = "fmnist-cnn: validation reports (pruning points) per epoch "
            + "(default: ${DEFAULT-VALUE}).")
    int reportsPerEpoch;

    @Option(names = "--option", description = "KEY=VALUE options of a class objective.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--threads-per-trial", defaultValue = "0", description = "Compute threads of each trial (default: the CPUs divided by --parallel).")
    int threadsPerTrial;

    @Option(names = "--asha-min-resource", defaultValue = "1", description = "ASHA: the first rung's step (default: ${DEFAULT-VALUE}).")
    long ashaMinResource;

    @Option(names = "--asha-reduction-factor", defaultValue = "3", description = "ASHA: keep the best 1/F at each rung (default: ${DEFAULT-VALUE}).")
    int ashaReductionFactor;

    @Option(names = "--median-warmup", defaultValue = "0", description = "median: steps never pruned (default: ${DEFAULT-VALUE}).")
    long medianWarmup;

    @Option(names = "--trial-timeout", defaultValue = "0", description = "Fail a trial that reports nothing for S seconds (default: no limit).")
    long trialTimeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        validate();
        DistributedEnvironment env = DistributedEnvironment.detect();
        SearchSpace s = space != null ? SpaceJson.read(space) : Objectives.defaultSpace(objective);
        if (s == null && !resume) throw new IllegalArgumentException("--space is needed for objective " + objective);
        WorkerSpec ws = workerSpec();
        Objective objectiveInstance = Objectives.create(objective, objectiveOptions()); // fails now, not in every worker
        int sharing = env.isDistributed() ? localRanks() : parallel;
        int threads = threadsPerTrial > 0 ? threadsPerTrial : Math.max(1, Runtime.getRuntime().availableProcessors() / sharing);
        Study.Builder b = Study.builder(s).journal(journal).name(name).loadIfExists(resume || env.isDistributed())
                .sampler(dev.anvil.tune.sampler.Samplers.create(sampler, ws.constantLiar())).pruner(ws.createPruner()).trialTimeout(ws.trialTimeout())
                .meta("objective", objective);
        objectiveOptions().forEach(b::meta);
        if (seed != null) b.seed(seed);
        Direction d = direction();
        if (d != null) b.direction(d);
        long start = System.nanoTime();
        try (Study study = b.open(); StudyWatcher watcher = StudyWatcher.open(journal)) {
            int already = study.countedTrials();
            watcher.poll(); // earlier runs' trials are counted in the first line, not listed
            out.printf(Locale.ROOT, "study '%s' in %s: %d of %d trials done, %s sampler, %s pruner, %d at a time (%s, %d threads each)%n", study.name(),
                    journal, already, trials, sampler, pruner, parallel, env.isDistributed() ? "rank " + env.rank() + " of " + env.worldSize() : workers,
                    threads);
            out.flush();
            Runnable printer = env.rank() == 0 ? ProcessWorkers.printer(watcher, line -> {
                out.println(line);
                out.flush();
            }) : () -> {};
            if (env.isDistributed() || parallel == 1 || workers.equals("threads")) {
                Anvil.setNumThreads(env.isDistributed() || parallel == 1 ? threads : 0);
                runInProcess(study, objectiveInstance, env.isDistributed() ? 1 : parallel, printer);
            } else {
                new ProcessWorkers(ws, parallel, threads, List.of()).run(study, printer);
            }
            if (env.rank() == 0) summary(out, study, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }

    /** Ranks on this machine, as Open MPI or a torchrun-style launcher says (anvil launch does not: pass --threads-per-trial). */
    private static int localRanks() {
        for (String v : List.of("OMPI_COMM_WORLD_LOCAL_SIZE", "LOCAL_WORLD_SIZE")) {
            String s = System.getenv(v);
            if (s != null && s.matches("[1-9][0-9]*")) return Integer.parseInt(s);
        }
        return 1;
    }

    private void runInProcess(Study study, Objective o, int threads, Runnable printer) throws Exception {
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                study.optimize(o, trials, threads);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        while (true) {
            try {
                run.get(500, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                printer.run();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
        printer.run();
    }

    private void summary(PrintWriter out, Study study, double seconds) {
        List<FrozenTrial> ts = study.trials();
        Map<TrialState, Integer> c = Trials.counts(ts);
        out.printf(Locale.ROOT, "%d complete, %d pruned, %d failed, %d lost in %.1f min (this run)%n", c.get(TrialState.COMPLETE), c.get(TrialState.PRUNED),
                c.get(TrialState.FAILED), c.get(TrialState.LOST), seconds / 60);
        Optional<FrozenTrial> best = study.bestTrial();
        if (best.isPresent()) {
            FrozenTrial t = best.get();
            out.printf(Locale.ROOT, "best: trial %d, value %.6g%s%n  %s%n", t.number(), t.value(),
                    t.attrs().containsKey("test_accuracy") ? ", test accuracy " + t.attrs().get("test_accuracy") : "", Trials.params(t.params()));
            String cmd = HtmlReport.recipeCommand(study.meta(), t.params());
            if (cmd != null) out.println("  " + cmd);
        }
        out.println("report: anvil tune report --journal " + journal);
        out.flush();
    }

    private Direction direction() {
        if (direction != null) return Direction.parse(direction);
        if (resume) return null;
        return objective.equals(Objectives.FMNIST) ? Direction.MAXIMIZE : Direction.MINIMIZE;
    }

    private Map<String, String> objectiveOptions() {
        if (!objective.equals(Objectives.FMNIST)) return options;
        Map<String, String> o = new LinkedHashMap<>();
        o.put("epochs", Integer.toString(epochs));
        if (data != null) o.put("data", data.toString());
        if (limit != null) o.put("limit", limit.toString());
        o.put("val", Integer.toString(val));
        o.put("reports-per-epoch", Integer.toString(reportsPerEpoch));
        o.putAll(options);
        return o;
    }

    WorkerSpec workerSpec() {
        return new WorkerSpec(journal, trials, sampler, parallel > 1 || DistributedEnvironment.detect().isDistributed(), pruner, medianWarmup,
                ashaMinResource, ashaReductionFactor, objective, objectiveOptions(), Duration.ofSeconds(trialTimeout), Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    private void validate() {
        if (journal == null) throw new IllegalArgumentException("--journal is required: the file that keeps the study");
        if (trials <= 0) throw new IllegalArgumentException("--trials must be positive, got " + trials);
        if (parallel <= 0) throw new IllegalArgumentException("--parallel must be positive, got " + parallel);
        if (!workers.equals("processes") && !workers.equals("threads")) {
            throw new IllegalArgumentException("--workers must be processes or threads, got " + workers);
        }
        if (threadsPerTrial < 0) throw new IllegalArgumentException("--threads-per-trial must be >= 0, got " + threadsPerTrial);
        if (trialTimeout < 0) throw new IllegalArgumentException("--trial-timeout must be >= 0, got " + trialTimeout);
        if (!objective.equals(Objectives.FMNIST)) {
            for (String o : List.of("--data", "--limit")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) throw new IllegalArgumentException(o + " applies to fmnist-cnn only");
            }
        }
    }
}
