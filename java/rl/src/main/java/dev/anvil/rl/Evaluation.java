package dev.anvil.rl;

import dev.anvil.rl.env.Environment;
import dev.anvil.rl.env.StepResult;
import java.util.function.ToIntFunction;

/** Returns of greedy evaluation episodes: their number, mean, standard deviation, minimum and maximum. */
public record Evaluation(int episodes, double mean, double std, double min, double max) {
    /**
     * Runs {@code episodes} episodes of {@code policy} (observation to action) on {@code env}, the
     * first reset with {@code seed} and the others continuing its generator.
     */
    public static Evaluation run(Environment env, int episodes, long seed, ToIntFunction<float[]> policy) {
        if (episodes < 1) throw new IllegalArgumentException("evaluation of " + env.id() + ": episodes must be >= 1, got " + episodes);
        double[] returns = new double[episodes];
        float[] obs = env.reset(seed);
        for (int e = 0; e < episodes; e++) {
            if (e > 0) obs = env.reset();
            StepResult r;
            do {
                r = env.step(policy.applyAsInt(obs));
                returns[e] += r.reward();
            } while (!r.done());
        }
        return of(returns);
    }

    static Evaluation of(double[] returns) {
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double r : returns) {
            sum += r;
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        double mean = sum / returns.length, var = 0;
        for (double r : returns) var += (r - mean) * (r - mean);
        return new Evaluation(returns.length, mean, Math.sqrt(var / returns.length), min, max);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.2f +- %.2f over %d episodes (min %.1f, max %.1f)", mean, std, episodes, min, max);
    }
}
