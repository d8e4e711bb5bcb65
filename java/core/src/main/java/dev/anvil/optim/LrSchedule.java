package dev.anvil.optim;

import java.util.Arrays;

/**
 * The learning rate of each optimizer step: PyTorch's schedulers, stepped once per optimizer step
 * (as {@code scheduler.step()} after every {@code optimizer.step()}). Steps count from 0; the
 * {@link dev.anvil.train.Trainer} applies the schedule before each step, with the optimizer's step
 * count as the clock, so that a resumed run continues the schedule.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate of step {@code step} (from 0) when the optimizer was made with {@code base}. */
    double lr(double base, long step);

    /** PyTorch's CosineAnnealingLR(T_max = totalSteps, eta_min = 0). */
    static LrSchedule cosine(long totalSteps) {
        return cosine(totalSteps, 0, 0);
    }

    /**
     * A linear warm-up from 0 to the base rate over {@code warmupSteps}, then cosine annealing down to
     * {@code min} over the remaining steps of {@code totalSteps} (without warm-up, PyTorch's
     * CosineAnnealingLR(T_max = totalSteps, eta_min = min)); after totalSteps, min.
     */
    static LrSchedule cosine(long totalSteps, double min, long warmupSteps) {
        positive(totalSteps, "totalSteps");
        if (warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("warmupSteps must be in [0, totalSteps), got " + warmupSteps + " of " + totalSteps);
        }
        if (!(min >= 0)) throw new IllegalArgumentException("min must be >= 0, got " + min);
        return (base, step) -> {
            if (step < warmupSteps) return base * (step + 1) / warmupSteps;
            double t = Math.min(step - warmupSteps, totalSteps - warmupSteps);
            return min + (base - min) * (1 + Math.cos(Math.PI * t / (totalSteps - warmupSteps))) / 2;
        };
    }

    /** PyTorch's StepLR: the base rate times gamma^(step / stepSize). */
    static LrSchedule step(long stepSize, double gamma) {
        positive(stepSize, "stepSize");
        return (base, step) -> base * Math.pow(gamma, Math.floorDiv(step, stepSize));
    }

    /** PyTorch's MultiStepLR: the base rate times gamma for every milestone reached. */
    static LrSchedule multiStep(long[] milestones, double gamma) {
        long[] m = milestones.clone();
        Arrays.sort(m);
        return (base, step) -> {
            int passed = 0;
            while (passed < m.length && m[passed] <= step) passed++;
            return base * Math.pow(gamma, passed);
        };
    }

    /**
     * PyTorch's OneCycleLR with its defaults (cosine annealing, div_factor 25, final_div_factor 1e4,
     * two phases): from base/25 up to the base rate (max_lr) over the first {@code pctStart} of
     * {@code totalSteps}, then down to base/25/1e4.
     */
    static LrSchedule oneCycle(long totalSteps, double pctStart) {
        positive(totalSteps, "totalSteps");
        if (!(pctStart > 0 && pctStart < 1)) throw new IllegalArgumentException("pctStart must be in (0, 1), got " + pctStart);
        double firstEnd = pctStart * totalSteps - 1, lastEnd = totalSteps - 1;
        return (base, step) -> {
            double initial = base / 25, min = initial / 1e4;
            if (step <= firstEnd) return anneal(initial, base, step / firstEnd);
            return anneal(base, min, (step - firstEnd) / (lastEnd - firstEnd));
        };
    }

    private static double anneal(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }

    private static void positive(long v, String name) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
}
