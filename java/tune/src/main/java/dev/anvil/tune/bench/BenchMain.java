package dev.anvil.tune.bench;

import dev.anvil.tune.objective.TestFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code java -cp ... dev.anvil.tune.bench.BenchMain [seeds] [evals] [samplers,...] [functions,...]}: the sampler tables. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int evals = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        List<String> samplers = List.of((args.length > 2 ? args[2] : "random,tpe,gp,ga,cmaes").split(","));
        List<TestFunction> functions = new ArrayList<>();
        for (String f : (args.length > 3 ? args[3] : "branin,hartmann6,rosenbrock4,noisy-hartmann6").split(",")) functions.add(TestFunction.byId(f));
        new SamplerBenchmark(seeds, evals, System.out).run(functions, samplers);
        SamplerBenchmark.tpeMillisPerSuggestion(300, 300, false); // warm-up of the JIT compiler, not reported
        SamplerBenchmark.tpeMillisPerSuggestion(300, 300, true);
        for (int history : new int[] {100, 1000}) {
            System.out.printf(Locale.ROOT, "TPE ask at %d trials: %.3f ms (univariate), %.3f ms (multivariate)%n", history,
                    SamplerBenchmark.tpeMillisPerSuggestion(history, 50, false), SamplerBenchmark.tpeMillisPerSuggestion(history, 50, true));
        }
    }
}
