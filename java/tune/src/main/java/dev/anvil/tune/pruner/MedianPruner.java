package dev.anvil.tune.pruner;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Prunes a trial whose best value so far is worse than the median (or another percentile) of the
 * values that completed trials reported at the same step, as Optuna's MedianPruner /
 * PercentilePruner: nothing is pruned before {@code nStartupTrials} = 5 trials completed, before
 * step {@code nWarmupSteps} = 0, at steps off the {@code intervalSteps} = 1 grid, or when fewer than
 * {@code nMinTrials} = 1 completed trials reported at the step. A NaN report is pruned at once.
 */
public final class MedianPruner implements Pruner {
    private final double percentile;
    private final int nStartupTrials;
    private final long nWarmupSteps;
    private final long intervalSteps;
    private final int nMinTrials;

    public MedianPruner() {
        this(50, 5, 0, 1, 1);
    }

    /**
     * @param percentile    0..100: prune below this percentile of the others (50: the median)
     * @param nStartupTrials completed trials needed before any pruning
     * @param nWarmupSteps  steps of a trial never pruned
     * @param intervalSteps prune only at steps that are multiples of this after the warm-up
     * @param nMinTrials    completed trials that must have reported at the step
     */
    public MedianPruner(double percentile, int nStartupTrials, long nWarmupSteps, long intervalSteps, int nMinTrials) {
        if (!(percentile >= 0 && percentile <= 100)) throw new IllegalArgumentException("percentile must be in [0, 100], got " + percentile);
        if (nStartupTrials < 0) throw new IllegalArgumentException("nStartupTrials must be >= 0, got " + nStartupTrials);
        if (nWarmupSteps < 0) throw new IllegalArgumentException("nWarmupSteps must be >= 0, got " + nWarmupSteps);
        if (intervalSteps < 1) throw new IllegalArgumentException("intervalSteps must be >= 1, got " + intervalSteps);
        if (nMinTrials < 1) throw new IllegalArgumentException("nMinTrials must be >= 1, got " + nMinTrials);
        this.percentile = percentile;
        this.nStartupTrials = nStartupTrials;
        this.nWarmupSteps = nWarmupSteps;
        this.intervalSteps = intervalSteps;
        this.nMinTrials = nMinTrials;
    }

    @Override
    public boolean shouldPrune(FrozenTrial trial, List<FrozenTrial> trials, Direction direction) {
        if (trial.intermediate().isEmpty()) return false;
        long step = trial.lastStep();
        if (Double.isNaN(trial.intermediate().get(step))) return true;
        List<FrozenTrial> complete = new ArrayList<>();
        for (FrozenTrial t : trials) if (t.state() == TrialState.COMPLETE) complete.add(t);
        if (complete.size() < nStartupTrials) return false;
        if (step < nWarmupSteps || (step - nWarmupSteps) % intervalSteps != 0) return false;
        List<Double> others = new ArrayList<>();
        for (FrozenTrial t : complete) {
            Double v = t.intermediate().get(step);
            if (v != null && !Double.isNaN(v)) others.add(direction.loss(v));
        }
        if (others.size() < nMinTrials) return false;
        double best = Double.POSITIVE_INFINITY;
        for (Map.Entry<Long, Double> e : trial.intermediate().entrySet()) {
            if (!Double.isNaN(e.getValue())) best = Math.min(best, direction.loss(e.getValue()));
        }
        return best > percentileOf(others, percentile);
    }

    /** Linear interpolation between order statistics, as numpy.percentile (and nanpercentile in Optuna). */
    static double percentileOf(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        double pos = q / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    @Override
    public String name() {
        return percentile == 50 ? "median" : "percentile-" + percentile;
    }
}
