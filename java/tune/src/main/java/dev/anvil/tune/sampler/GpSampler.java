package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Bayesian optimisation with a Gaussian process and expected improvement (Jones et al., "Efficient
 * Global Optimization of Expensive Black-Box Functions", 1998), in the manner of Optuna's
 * GPSampler: random search for the first {@code nStartupTrials} = 10 complete trials; then a
 * {@link GaussianProcess} (Matérn 5/2, hyperparameters fitted by maximum marginal likelihood) over
 * the complete trials, each parameter mapped to [0, 1] (log parameters on the log scale,
 * categorical ones by choice, compared equal or not), and the point of largest log EI among
 * {@code nCandidates} random ones, refined by a coordinate search, is proposed. A conditional
 * parameter that is inactive in a trial is modelled at the centre of its range. Running trials
 * enter the model at their predicted mean ("kriging believer"), so parallel workers spread out.
 */
public final class GpSampler implements Sampler {
    private final int nStartupTrials;
    private final int nCandidates;
    private final RandomSampler startup = new RandomSampler();

    public GpSampler() {
        this(10, 1024);
    }

    public GpSampler(int nStartupTrials, int nCandidates) {
        if (nStartupTrials < 1) throw new IllegalArgumentException("nStartupTrials must be >= 1, got " + nStartupTrials);
        if (nCandidates < 1) throw new IllegalArgumentException("nCandidates must be >= 1, got " + nCandidates);
        this.nStartupTrials = nStartupTrials;
        this.nCandidates = nCandidates;
    }

    static double[] encode(List<Param> params, Map<String, Object> values) {
        double[] x = new double[params.size()];
        for (int i = 0; i < x.length; i++) {
            Param p = params.get(i);
            Object v = values.get(p.name());
            if (p.distribution() instanceof CategoricalDistribution c) x[i] = v == null ? -1 : c.indexOf(v);
            else x[i] = v == null ? 0.5 : p.distribution().toUnit(v);
        }
        return x;
    }

    static Map<String, Object> decode(SearchSpace space, double[] x) {
        List<Param> params = space.params();
        return space.assign(p -> {
            int i = params.indexOf(p);
            if (p.distribution() instanceof CategoricalDistribution c) return c.choices().get(Math.max(0, (int) x[i]));
            return p.distribution().fromUnit(x[i]);
        });
    }

    @Override
    public Suggestion sample(SamplingContext ctx) {
        List<FrozenTrial> complete = ctx.complete();
        if (complete.size() < nStartupTrials) return startup.sample(ctx);
        SearchSpace space = ctx.space();
        List<Param> params = space.params();
        int d = params.size();
        boolean[] cat = new boolean[d];
        for (int i = 0; i < d; i++) cat[i] = params.get(i).distribution() instanceof CategoricalDistribution;

        int n = complete.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            x[i] = encode(params, complete.get(i).params());
            y[i] = ctx.loss(complete.get(i));
            mean += y[i];
        }
        mean /= n;
        double var = 0;
        for (double v : y) var += (v - mean) * (v - mean);
        double sd = Math.sqrt(var / n);
        if (!(sd > 0)) sd = 1;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            y[i] = (y[i] - mean) / sd;
            best = Math.min(best, y[i]);
        }

        GaussianProcess gp = new GaussianProcess(cat);
        // Always from the same start, so that a choice depends on the history only (a resumed study chooses alike).
        double[] theta = gp.fit(x, y, gp.defaultTheta(), 40 * (d + 2));
        believeRunning(ctx, gp, params, x, y, theta);

        SplittableRandom rng = ctx.rng(2);
        Set<Map<String, Object>> seen = new HashSet<>();
        for (FrozenTrial t : ctx.trials()) seen.add(t.params());
        double[] bestX = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        List<double[]> starts = new ArrayList<>();
        List<Double> startScores = new ArrayList<>();
        for (int c = 0; c < nCandidates; c++) {
            double[] p = randomPoint(params, rng);
            double s = logEi(gp, p, best);
            starts.add(p);
            startScores.add(s);
        }
        // Refine the 5 best random points (and the incumbent) by coordinate search.
        Integer[] order = new Integer[starts.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(startScores.get(b), startScores.get(a)));
        List<double[]> seeds = new ArrayList<>();
        for (int i = 0; i < Math.min(5, order.length); i++) seeds.add(starts.get(order[i]));
        int inc = 0;
        for (int i = 1; i < n; i++) if (y[i] < y[inc]) inc = i;
        seeds.add(x[inc].clone());
        for (double[] s0 : seeds) {
            double[] p = refine(gp, params, s0, best);
            double s = logEi(gp, p, best);
            if (s > bestScore && !seen.contains(decode(space, p))) {
                bestScore = s;
                bestX = p;
            }
        }
        for (int i = 0; bestX == null && i < order.length; i++) {
            double[] p = starts.get(order[i]);
            if (!seen.contains(decode(space, p))) bestX = p;
        }
        if (bestX == null) return startup.sample(ctx);
        return Suggestion.of(decode(space, bestX));
    }

    /** Running trials join the data at the model's mean there, which shrinks the variance (and EI) around them. */
    private static void believeRunning(SamplingContext ctx, GaussianProcess gp, List<Param> params, double[][] x, double[] y, double[] theta) {
        List<double[]> xs = new ArrayList<>(List.of(x));
        List<Double> ys = new ArrayList<>();
        for (double v : y) ys.add(v);
        for (FrozenTrial t : ctx.inState(TrialState.RUNNING)) {
            double[] p = encode(params, t.params());
            xs.add(p);
            ys.add(gp.predict(p)[0]);
        }
        if (xs.size() == x.length) return;
        gp.condition(xs.toArray(new double[0][]), ys.stream().mapToDouble(Double::doubleValue).toArray(), theta);
    }

    private static double[] randomPoint(List<Param> params, SplittableRandom rng) {
        double[] p = new double[params.size()];
        for (int i = 0; i < p.length; i++) {
            if (params.get(i).distribution() instanceof CategoricalDistribution c) p[i] = rng.nextInt(c.size());
            else p[i] = rng.nextDouble();
        }
        return p;
    }

    /** Coordinate search: each numerical coordinate moved by +-step while it helps, step halved down to 1e-4; each choice tried. */
    private static double[] refine(GaussianProcess gp, List<Param> params, double[] start, double best) {
        double[] p = start.clone();
        double[] score = {logEi(gp, p, best)};
        for (double step = 0.1; step >= 1e-4; step /= 2) {
            boolean improved = true;
            while (improved) {
                improved = false;
                for (int i = 0; i < p.length; i++) {
                    if (params.get(i).distribution() instanceof CategoricalDistribution c) {
                        for (int k = 0; k < c.size(); k++) improved |= tryMove(gp, p, i, k, best, score);
                    } else {
                        for (double dir : new double[] {step, -step}) improved |= tryMove(gp, p, i, Math.min(1, Math.max(0, p[i] + dir)), best, score);
                    }
                }
            }
        }
        return p;
    }

    /** Sets coordinate i to {@code value} if that raises log EI above {@code score[0]} (which it then updates). */
    private static boolean tryMove(GaussianProcess gp, double[] p, int i, double value, double best, double[] score) {
        double old = p[i];
        p[i] = value;
        double s = logEi(gp, p, best);
        if (s > score[0] + 1e-12) {
            score[0] = s;
            return true;
        }
        p[i] = old;
        return false;
    }

    /** log EI for minimisation below {@code best}, with the asymptotic form far in the lower tail (z < -6). */
    static double logEi(GaussianProcess gp, double[] p, double best) {
        double[] mv = gp.predict(p);
        double sigma = Math.sqrt(mv[1]);
        double z = (best - mv[0]) / sigma;
        double logPhiDensity = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
        if (z > -6) {
            double ei = z * TruncatedNormal.phi(z) + Math.exp(logPhiDensity);
            return Math.log(Math.max(ei, 1e-300)) + Math.log(sigma);
        }
        return Math.log(sigma) + logPhiDensity - 2 * Math.log(-z);
    }

    @Override
    public String name() {
        return "gp";
    }
}
