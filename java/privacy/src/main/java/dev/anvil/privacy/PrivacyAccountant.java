package dev.anvil.privacy;

import java.util.List;

/**
 * Tracks the privacy spent by a sequence of sampled Gaussian mechanisms (DP-SGD steps) and turns it
 * into an (epsilon, delta) guarantee, as Opacus's accountants do: {@link #step} once per optimizer
 * step with the noise multiplier and the sampling rate of that step, {@link #getEpsilon} at any time.
 *
 * <p>The guarantee is sample-level differential privacy under add/remove-one adjacency: two data sets
 * are neighbours when one is the other with one sample added or removed; each sample takes part in a
 * step independently with probability {@code sampleRate} (Poisson sampling).
 */
public interface PrivacyAccountant {
    /** One entry of the history: {@code steps} consecutive steps with the same noise multiplier and sampling rate. */
    record Entry(double noiseMultiplier, double sampleRate, long steps) {
        public Entry {
            checkNoiseMultiplier(noiseMultiplier);
            checkSampleRate(sampleRate);
            if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
    }

    /** Records {@code steps} steps of the sampled Gaussian mechanism. */
    void step(double noiseMultiplier, double sampleRate, long steps);

    /** Records one step of the sampled Gaussian mechanism. */
    default void step(double noiseMultiplier, double sampleRate) {
        step(noiseMultiplier, sampleRate, 1);
    }

    /** The epsilon spent so far for {@code delta} (0 before any step). */
    double getEpsilon(double delta);

    /** The recorded steps, consecutive equal ones merged, oldest first (saved with checkpoints). */
    List<Entry> history();

    /** Replaces the history (restoring a checkpoint). */
    void setHistory(List<Entry> history);

    /** Total number of steps recorded. */
    default long steps() {
        return history().stream().mapToLong(Entry::steps).sum();
    }

    /** The mechanism's name as Opacus spells it ("rdp", "gdp"). */
    String mechanism();

    /** A fresh accountant of the same kind and options, without history. */
    PrivacyAccountant emptyCopy();

    static void checkNoiseMultiplier(double sigma) {
        if (!(sigma >= 0) || Double.isNaN(sigma) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise multiplier must be finite and >= 0, got " + sigma);
        }
    }

    static void checkSampleRate(double q) {
        if (!(q >= 0 && q <= 1)) throw new IllegalArgumentException("sample rate must be in [0, 1], got " + q);
    }

    static void checkDelta(double delta) {
        if (!(delta > 0 && delta < 1)) throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }

    /** Creates an accountant by Opacus's name: "rdp" or "gdp". */
    static PrivacyAccountant create(String mechanism) {
        if (mechanism == null) throw new IllegalArgumentException("accountant name is null (use \"rdp\" or \"gdp\")");
        return switch (mechanism.toLowerCase(java.util.Locale.ROOT)) {
            case "rdp" -> new RdpAccountant();
            case "gdp" -> new GaussianAccountant();
            default -> throw new IllegalArgumentException("unknown accountant \"" + mechanism + "\": use \"rdp\" or \"gdp\"");
        };
    }
}
