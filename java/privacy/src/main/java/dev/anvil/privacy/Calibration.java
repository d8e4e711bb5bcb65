package dev.anvil.privacy;

import java.util.Locale;

/** Choosing the noise for a privacy budget before training (Opacus's {@code get_noise_multiplier}). */
public final class Calibration {
    /** Opacus's bound: no noise multiplier above this is searched. */
    public static final double MAX_NOISE_MULTIPLIER = 1e6;
    /** Opacus's default tolerance on epsilon. */
    public static final double DEFAULT_EPSILON_TOLERANCE = 0.01;

    private Calibration() {}

    /** Training steps of {@code epochs} epochs at {@code sampleRate}, as Opacus counts them: floor(epochs / sampleRate). */
    public static long stepsForEpochs(double epochs, double sampleRate) {
        if (!(epochs > 0) || Double.isInfinite(epochs)) throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
        if (!(sampleRate > 0 && sampleRate <= 1)) throw new IllegalArgumentException("sample rate must be in (0, 1], got " + sampleRate);
        return (long) (epochs / sampleRate);
    }

    /**
     * The smallest noise multiplier (within Opacus's search: doubling from 10, then bisection until epsilon is
     * within {@code tolerance} below the target) whose {@code steps} steps at {@code sampleRate} spend at most
     * {@code targetEpsilon} at {@code delta} by a fresh accountant like {@code accountant}.
     *
     * @throws IllegalArgumentException for bad arguments, or when no noise multiplier reaches the target
     */
    public static double getNoiseMultiplier(double targetEpsilon, double delta, double sampleRate, long steps,
            PrivacyAccountant accountant, double tolerance) {
        if (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon)) {
            throw new IllegalArgumentException("target epsilon must be finite and > 0, got " + targetEpsilon);
        }
        PrivacyAccountant.checkDelta(delta);
        if (!(sampleRate > 0 && sampleRate <= 1)) throw new IllegalArgumentException("sample rate must be in (0, 1], got " + sampleRate);
        if (steps <= 0) throw new IllegalArgumentException("steps must be > 0, got " + steps);
        if (accountant == null) throw new IllegalArgumentException("accountant is null");
        if (!(tolerance > 0)) throw new IllegalArgumentException("epsilon tolerance must be > 0, got " + tolerance);
        double low = 0, high = 10, epsHigh = Double.POSITIVE_INFINITY;
        while (epsHigh > targetEpsilon) {
            high *= 2;
            epsHigh = epsilon(accountant, high, sampleRate, steps, delta);
            if (high > MAX_NOISE_MULTIPLIER) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "target epsilon %g cannot be reached at delta %g in %d steps at sample rate %g: even noise multiplier %g "
                                + "spends epsilon %g (raise the target epsilon or delta, or train fewer steps)",
                        targetEpsilon, delta, steps, sampleRate, high, epsHigh));
            }
        }
        while (targetEpsilon - epsHigh > tolerance) {
            double sigma = (low + high) / 2;
            double eps = epsilon(accountant, sigma, sampleRate, steps, delta);
            if (eps < targetEpsilon) {
                high = sigma;
                epsHigh = eps;
            } else {
                low = sigma;
            }
        }
        return high;
    }

    /** {@link #getNoiseMultiplier(double, double, double, long, PrivacyAccountant, double)} with an RDP accountant and tolerance 0.01. */
    public static double getNoiseMultiplier(double targetEpsilon, double delta, double sampleRate, long steps) {
        return getNoiseMultiplier(targetEpsilon, delta, sampleRate, steps, new RdpAccountant(), DEFAULT_EPSILON_TOLERANCE);
    }

    private static double epsilon(PrivacyAccountant like, double sigma, double q, long steps, double delta) {
        PrivacyAccountant a = like.emptyCopy();
        a.step(sigma, q, steps);
        return a.getEpsilon(delta);
    }
}
