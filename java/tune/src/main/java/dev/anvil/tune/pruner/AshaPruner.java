package dev.anvil.tune.pruner;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), with the rules of Optuna's SuccessiveHalvingPruner: rung k is reached at
 * step {@code minResource * reductionFactor^(minEarlyStoppingRate + k)}; a trial that reaches a
 * rung records its value there (the value of its first report at or after the rung's step) and
 * goes on only if that value is among the best 1/reductionFactor of the values recorded at the
 * rung by every trial so far (running, pruned and complete ones, itself included); while fewer
 * than reductionFactor values are recorded, only the best goes on. A NaN report is pruned at once.
 *
 * <p>The rung values are derived from the reports in the journal, so a resumed study or another
 * worker decides the same.
 */
public final class AshaPruner implements Pruner {
    private final long minResource;
    private final int reductionFactor;
    private final int minEarlyStoppingRate;

    /** minResource 1, reductionFactor 4, minEarlyStoppingRate 0 (Optuna's defaults, minResource "auto" aside). */
    public AshaPruner() {
        this(1, 4, 0);
    }

    public AshaPruner(long minResource, int reductionFactor, int minEarlyStoppingRate) {
        if (minResource < 1) throw new IllegalArgumentException("minResource must be >= 1, got " + minResource);
        if (reductionFactor < 2) throw new IllegalArgumentException("reductionFactor must be >= 2, got " + reductionFactor);
        if (minEarlyStoppingRate < 0) throw new IllegalArgumentException("minEarlyStoppingRate must be >= 0, got " + minEarlyStoppingRate);
        this.minResource = minResource;
        this.reductionFactor = reductionFactor;
        this.minEarlyStoppingRate = minEarlyStoppingRate;
    }

    /** The step at which rung {@code k} is reached. */
    public long rungStep(int k) {
        double s = minResource * Math.pow(reductionFactor, minEarlyStoppingRate + k);
        return s >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) s;
    }

    /** The value {@code t} recorded at rung {@code k}: its first report at or after the rung's step; null if it has not got there. */
    Double rungValue(FrozenTrial t, int k) {
        Map.Entry<Long, Double> e = t.intermediate().ceilingEntry(rungStep(k));
        return e == null ? null : e.getValue();
    }

    @Override
    public boolean shouldPrune(FrozenTrial trial, List<FrozenTrial> trials, Direction direction) {
        if (trial.intermediate().isEmpty()) return false;
        long step = trial.lastStep();
        double value = trial.intermediate().get(step);
        for (int k = 0; rungStep(k) <= step; k++) {
            if (Double.isNaN(value)) return true;
            // Rungs whose deciding report came before this one were judged then.
            Map.Entry<Long, Double> first = trial.intermediate().ceilingEntry(rungStep(k));
            if (first.getKey() != step) continue;
            List<Double> competing = new ArrayList<>();
            for (FrozenTrial t : trials) {
                if (t.number() == trial.number()) continue;
                Double v = rungValue(t, k);
                if (v != null && !Double.isNaN(v)) competing.add(direction.loss(v));
            }
            competing.add(direction.loss(value));
            if (!promotable(direction.loss(value), competing)) return true;
        }
        return false;
    }

    /** Optuna's rule: among the best len / reductionFactor (at least the best one). */
    private boolean promotable(double loss, List<Double> competing) {
        competing.sort(null);
        int idx = competing.size() / reductionFactor - 1;
        if (idx < 0) idx = 0;
        return loss <= competing.get(idx);
    }

    @Override
    public String name() {
        return "asha";
    }
}
