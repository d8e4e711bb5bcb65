package dev.anvil.privacy;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Standard normal noise for DP-SGD.
 *
 * <p>Deterministic mode: a {@link SplittableRandom} seeded from (seed, rank, step), so each step and each
 * rank draws a fresh stream, a run is reproducible, and a resumed run draws what the uninterrupted run would
 * have. Not a secure source: for experiments and tests.
 *
 * <p>Secure mode: {@link SecureRandom} (the platform's strong generator), and each value is the sum of four
 * normals divided by two, as Opacus's secure mode does against the floating-point attack on the Gaussian
 * mechanism (Mironov 2012; Jin et al. 2022). Costs about four times the generation time and ignores the seed.
 */
public final class GaussianNoise {
    private final boolean secure;
    private final long seed;
    private final int rank;
    private final SecureRandom secureRandom;

    private GaussianNoise(boolean secure, long seed, int rank) {
        if (rank < 0) throw new IllegalArgumentException("rank must be >= 0, got " + rank);
        this.secure = secure;
        this.seed = seed;
        this.rank = rank;
        this.secureRandom = secure ? newSecureRandom() : null;
    }

    private static SecureRandom newSecureRandom() {
        try {
            return SecureRandom.getInstanceStrong();
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** Reproducible noise from {@code seed}; {@code rank} separates the streams of data-parallel processes. */
    public static GaussianNoise seeded(long seed, int rank) {
        return new GaussianNoise(false, seed, rank);
    }

    /** Noise from a cryptographically strong generator. */
    public static GaussianNoise secure() {
        return new GaussianNoise(true, 0, 0);
    }

    public boolean isSecure() {
        return secure;
    }

    /** The generator for step {@code step} (deterministic mode: a function of seed, rank and step only). */
    RandomGenerator forStep(long step) {
        if (secure) return secureRandom;
        long mixed = new SplittableRandom(seed).split().nextLong() ^ (0x9E3779B97F4A7C15L * (step + 1)) ^ ((long) rank << 48);
        return new SplittableRandom(mixed);
    }

    /** Fills {@code out} with independent N(0, std^2) values for step {@code step}. */
    public void fill(long step, float[] out, double std) {
        if (!(std >= 0) || Double.isInfinite(std)) throw new IllegalArgumentException("noise std must be finite and >= 0, got " + std);
        fill(forStep(step), out, std);
    }

    void fill(RandomGenerator r, float[] out, double std) {
        if (secure) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (std * (r.nextGaussian() + r.nextGaussian() + r.nextGaussian() + r.nextGaussian()) / 2);
            }
        } else {
            for (int i = 0; i < out.length; i++) out[i] = (float) (std * r.nextGaussian());
        }
    }
}
