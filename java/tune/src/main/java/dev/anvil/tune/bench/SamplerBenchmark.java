package dev.anvil.tune.bench;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Study;
import dev.anvil.tune.Trial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.objective.TestFunction;
import dev.anvil.tune.sampler.Sampler;
import dev.anvil.tune.sampler.Samplers;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The samplers on the standard test functions: for each function, sampler and seed, a study of
 * {@code evals} trials in memory; the best value after each trial (for the noisy function, the
 * true value of the trial with the best observed value). Prints medians over seeds: best after
 * 35 and after {@code evals} evaluations, and the evaluations each sampler needs to reach random
 * search's median best-after-{@code evals}.
 */
public final class SamplerBenchmark {
    private final int seeds;
    private final int evals;
    private final PrintStream out;

    public SamplerBenchmark(int seeds, int evals, PrintStream out) {
        if (seeds < 1) throw new IllegalArgumentException("seeds must be >= 1, got " + seeds);
        if (evals < 35) throw new IllegalArgumentException("evals must be >= 35, got " + evals);
        this.seeds = seeds;
        this.evals = evals;
        this.out = out;
    }

    /** The best-so-far curve of one study. */
    public static double[] run(TestFunction f, Sampler sampler, long seed, int evals) throws IOException {
        double[] curve = new double[evals];
        try (Study study = Study.builder(f.space()).sampler(sampler).seed(seed).direction(Direction.MINIMIZE).open()) {
            double bestObserved = Double.POSITIVE_INFINITY, bestTrue = Double.POSITIVE_INFINITY;
            for (int i = 0; i < evals; i++) {
                Trial t = study.ask();
                FrozenTrial done = study.run(f, t);
                if (done.state() == TrialState.COMPLETE && done.value() < bestObserved) {
                    bestObserved = done.value();
                    bestTrue = done.attrs().containsKey("true_value") ? Double.parseDouble(done.attrs().get("true_value")) : done.value();
                }
                curve[i] = bestTrue;
            }
        }
        return curve;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** Runs every sampler in {@code samplers} on every function and prints the tables; returns the medians by function and sampler. */
    public Map<String, Map<String, double[]>> run(List<TestFunction> functions, List<String> samplers) throws IOException {
        Map<String, Map<String, double[]>> medians = new LinkedHashMap<>();
        for (TestFunction f : functions) {
            Map<String, double[][]> curves = new LinkedHashMap<>();
            Map<String, Double> seconds = new LinkedHashMap<>();
            for (String s : samplers) {
                double[][] c = new double[seeds][];
                long start = System.nanoTime();
                for (int seed = 0; seed < seeds; seed++) c[seed] = run(f, Samplers.create(s, false), seed, evals);
                seconds.put(s, (System.nanoTime() - start) / 1e9);
                curves.put(s, c);
            }
            Map<String, double[]> m = new LinkedHashMap<>();
            for (Map.Entry<String, double[][]> e : curves.entrySet()) {
                double[] med = new double[evals];
                for (int i = 0; i < evals; i++) {
                    double[] at = new double[seeds];
                    for (int seed = 0; seed < seeds; seed++) at[seed] = e.getValue()[seed][i];
                    med[i] = median(at);
                }
                m.put(e.getKey(), med);
            }
            medians.put(f.id(), m);
            print(f, curves, m, seconds);
        }
        return medians;
    }

    private void print(TestFunction f, Map<String, double[][]> curves, Map<String, double[]> medians, Map<String, Double> seconds) {
        double target = medians.containsKey("random") ? medians.get("random")[evals - 1] : Double.NaN;
        out.printf(Locale.ROOT, "%n### %s (minimum %.6g), %d seeds, target = random's median best after %d: %.5g%n%n", f.id(), f.minimum(), seeds, evals,
                target);
        out.printf(Locale.ROOT, "| sampler | median best @35 | median best @%d | median evals to target | seeds reaching it by 35 | seconds (all seeds) |%n", evals);
        out.println("|---|---|---|---|---|---|");
        for (String s : medians.keySet()) {
            double[] med = medians.get(s);
            double[] reach = new double[seeds];
            int by35 = 0;
            for (int seed = 0; seed < seeds; seed++) {
                double[] c = curves.get(s)[seed];
                int k = 0;
                while (k < evals && c[k] > target) k++;
                reach[seed] = k < evals ? k + 1 : Double.POSITIVE_INFINITY;
                if (k + 1 <= 35) by35++;
            }
            double r = median(reach);
            out.printf(Locale.ROOT, "| %s | %.5g | %.5g | %s | %d/%d | %.1f |%n", s, med[34], med[evals - 1],
                    Double.isInfinite(r) ? "> " + evals : String.format(Locale.ROOT, "%.0f", r), by35, seeds, seconds.get(s));
        }
        out.flush();
    }

    /**
     * Median milliseconds of {@link Study#ask} with TPE once the study holds {@code history} trials
     * (the first {@code history} are TPE's random start-up), over {@code repeats} asks; in memory,
     * so this is the sampler's and the study's own cost, without disk.
     */
    public static double tpeMillisPerSuggestion(int history, int repeats, boolean multivariate) throws IOException {
        TestFunction f = TestFunction.HARTMANN6;
        Sampler s = dev.anvil.tune.sampler.TpeSampler.builder().nStartupTrials(history).multivariate(multivariate).build();
        try (Study study = Study.builder(f.space()).sampler(s).seed(1).open()) {
            for (int i = 0; i < history; i++) study.run(f, study.ask());
            double[] ms = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                Trial t = study.ask();
                ms[r] = (System.nanoTime() - t0) / 1e6;
                study.tell(t, f.evaluate(t));
            }
            return median(ms);
        }
    }
}
