package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.Trials;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) with Optuna's documented
 * defaults (optuna.samplers.TPESampler): random search for the first {@code nStartupTrials} = 10
 * finished trials, then the trials are split into the best gamma(n) = min(ceil(0.1 n), 25) ("below")
 * and the rest; a Parzen estimator l(x) is fitted to the first group and g(x) to the second, with
 * Optuna's weights (the 25 newest of a group at 1, older ones on a ramp from 1/n), and of
 * {@code nEiCandidates} = 24 draws from l(x) the one maximising l(x)/g(x) (the expected-improvement
 * criterion of the paper) is chosen.
 *
 * <p>Pruned trials count as worse than every complete one, the further they got the better, as in
 * Optuna. Univariate by default (one estimator per parameter, each over the trials where the
 * parameter is active); {@code multivariate} models the unconditional parameters jointly (Falkner
 * et al., ICML 2018) and the conditional ones one by one. {@code constantLiar} counts running
 * trials as the worst ones, so that parallel workers do not all sample the same region.
 */
public final class TpeSampler implements Sampler {
    private final int nStartupTrials;
    private final int nEiCandidates;
    private final boolean multivariate;
    private final boolean constantLiar;
    private final RandomSampler startup = new RandomSampler();

    public TpeSampler() {
        this(builder());
    }

    private TpeSampler(Builder b) {
        this.nStartupTrials = b.nStartupTrials;
        this.nEiCandidates = b.nEiCandidates;
        this.multivariate = b.multivariate;
        this.constantLiar = b.constantLiar;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Optuna's default_gamma: the number of "below" trials among n. */
    static int gamma(int n) {
        return Math.min((int) Math.ceil(0.1 * n), 25);
    }

    /** Optuna's default_weights: n ones below 25, else a ramp from 1/n for the oldest n - 25 and ones for the newest 25. */
    static double[] weights(int n) {
        double[] w = new double[n];
        if (n < 25) {
            java.util.Arrays.fill(w, 1.0);
            return w;
        }
        int ramp = n - 25;
        for (int i = 0; i < ramp; i++) w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
        for (int i = ramp; i < n; i++) w[i] = 1.0;
        return w;
    }

    @Override
    public Suggestion sample(SamplingContext ctx) {
        int finished = 0;
        for (FrozenTrial t : ctx.trials()) if (t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED) finished++;
        if (finished < nStartupTrials) return startup.sample(ctx);

        List<FrozenTrial> ranked = rank(ctx);
        int nBelow = gamma(ranked.size());
        List<FrozenTrial> below = new ArrayList<>(ranked.subList(0, nBelow));
        List<FrozenTrial> above = new ArrayList<>(ranked.subList(nBelow, ranked.size()));
        below.sort(Comparator.comparingInt(FrozenTrial::number));
        above.sort(Comparator.comparingInt(FrozenTrial::number));

        SearchSpace space = ctx.space();
        SplittableRandom rng = ctx.rng(1);
        Map<String, Object> chosen = new LinkedHashMap<>();
        if (multivariate) {
            List<Param> joint = space.unconditional();
            chosen.putAll(best(joint, below, above, rng));
        }
        for (Param p : space.params()) {
            if (chosen.containsKey(p.name()) || !space.isActive(p, chosen)) continue;
            chosen.putAll(best(List.of(p), below, above, rng));
        }
        return Suggestion.of(chosen);
    }

    /** Finished trials best first (see {@link Trials#ranked}), then running ones when lying. */
    private List<FrozenTrial> rank(SamplingContext ctx) {
        List<FrozenTrial> out = new ArrayList<>(Trials.ranked(ctx.trials(), ctx.direction()));
        if (constantLiar) out.addAll(ctx.inState(TrialState.RUNNING));
        return out;
    }

    private Map<String, Object> best(List<Param> params, List<FrozenTrial> below, List<FrozenTrial> above, SplittableRandom rng) {
        ParzenEstimator l = estimator(params, below);
        ParzenEstimator g = estimator(params, above);
        Map<String, Object> best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < nEiCandidates; i++) {
            Map<String, Object> candidate = new LinkedHashMap<>();
            l.sample(rng, candidate);
            double score = l.logPdf(candidate) - g.logPdf(candidate);
            if (best == null || score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    private ParzenEstimator estimator(List<Param> params, List<FrozenTrial> group) {
        List<Map<String, Object>> obs = new ArrayList<>();
        for (FrozenTrial t : group) {
            boolean all = true;
            for (Param p : params) all &= t.params().containsKey(p.name());
            if (all) obs.add(t.params());
        }
        return new ParzenEstimator(params, obs, weights(obs.size()), multivariate && params.size() > 1);
    }

    @Override
    public String name() {
        return multivariate ? "tpe-multivariate" : "tpe";
    }

    /** TPE options; defaults are Optuna's. */
    public static final class Builder {
        private int nStartupTrials = 10;
        private int nEiCandidates = 24;
        private boolean multivariate;
        private boolean constantLiar;

        public Builder nStartupTrials(int n) {
            if (n < 0) throw new IllegalArgumentException("nStartupTrials must be >= 0, got " + n);
            this.nStartupTrials = n;
            return this;
        }

        public Builder nEiCandidates(int n) {
            if (n < 1) throw new IllegalArgumentException("nEiCandidates must be >= 1, got " + n);
            this.nEiCandidates = n;
            return this;
        }

        public Builder multivariate(boolean v) {
            this.multivariate = v;
            return this;
        }

        public Builder constantLiar(boolean v) {
            this.constantLiar = v;
            return this;
        }

        public TpeSampler build() {
            return new TpeSampler(this);
        }
    }
}
