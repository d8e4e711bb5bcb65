package dev.anvil.cli;

import dev.anvil.tune.bench.SamplerBenchmark;
import dev.anvil.tune.objective.TestFunction;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code anvil tune bench}: the samplers on the standard test functions (medians over seeds) and TPE's cost per suggestion. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the samplers on Branin, Hartmann-6, Rosenbrock-4 and noisy Hartmann-6; time TPE at 100 and 1,000 trials.")
final class TuneBenchCommand implements Callable<Integer> {
    @Option(names = "--seeds", defaultValue = "20", description = "Seeds per sampler and function (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--evals", defaultValue = "100", description = "Evaluations per study (default: ${DEFAULT-VALUE}).")
    int evals;

    @Option(names = "--samplers", defaultValue = "random,tpe,tpe-multivariate,gp,ga,cmaes", split = ",",
            description = "Samplers (default: ${DEFAULT-VALUE}).")
    List<String> samplers;

    @Option(names = "--functions", defaultValue = "branin,hartmann6,rosenbrock4,noisy-hartmann6", split = ",",
            description = "Test functions (default: ${DEFAULT-VALUE}).")
    List<String> functions;

    @Option(names = "--no-timing", description = "Skip the TPE timing.")
    boolean noTiming;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<TestFunction> fs = new ArrayList<>();
        for (String f : functions) fs.add(TestFunction.byId(f));
        new SamplerBenchmark(seeds, evals, out).run(fs, samplers);
        if (!noTiming) {
            SamplerBenchmark.tpeMillisPerSuggestion(300, 300, false); // JIT warm-up, not reported
            SamplerBenchmark.tpeMillisPerSuggestion(300, 300, true);
            out.println();
            out.println("| trials in the study | TPE ms per ask (univariate) | TPE ms per ask (multivariate) |");
            out.println("|---|---|---|");
            for (int history : new int[] {100, 1000}) {
                out.printf(Locale.ROOT, "| %d | %.2f | %.2f |%n", history, SamplerBenchmark.tpeMillisPerSuggestion(history, 100, false),
                        SamplerBenchmark.tpeMillisPerSuggestion(history, 100, true));
            }
        }
        return 0;
    }
}
