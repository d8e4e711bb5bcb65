package dev.anvil.rl;

/**
 * The exploration rate of an epsilon-greedy policy as a function of the step count (0 at the
 * first step): with probability epsilon the agent takes a uniformly random action.
 */
@FunctionalInterface
public interface EpsilonSchedule {
    /** Epsilon at {@code step}, in [0, 1]. */
    double at(long step);

    /** Always {@code epsilon}. */
    static EpsilonSchedule constant(double epsilon) {
        checkProbability("epsilon", epsilon);
        return step -> epsilon;
    }

    /**
     * From {@code start} to {@code end} in a straight line over {@code steps} steps, then {@code end}
     * (Stable-Baselines3's {@code exploration_fraction} schedule, CleanRL's {@code linear_schedule}).
     */
    static EpsilonSchedule linear(double start, double end, long steps) {
        checkProbability("start", start);
        checkProbability("end", end);
        if (steps < 1) throw new IllegalArgumentException("linear epsilon schedule: steps must be >= 1, got " + steps);
        return step -> step >= steps ? end : start + (end - start) * step / steps;
    }

    /** {@code max(end, start * decay^step)}. */
    static EpsilonSchedule exponential(double start, double end, double decay) {
        checkProbability("start", start);
        checkProbability("end", end);
        if (!(decay > 0 && decay <= 1)) throw new IllegalArgumentException("exponential epsilon schedule: decay must be in (0, 1], got " + decay);
        return step -> Math.max(end, start * Math.pow(decay, step));
    }

    private static void checkProbability(String what, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("epsilon schedule: " + what + " must be in [0, 1], got " + p);
    }
}
