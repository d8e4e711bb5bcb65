package dev.anvil.privacy;

import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * Gaussian differential privacy accountant (Dong, Roth and Su 2019; Bu et al. 2020), Opacus's
 * {@code GaussianAccountant}: by the central limit theorem for composition, T Poisson-sampled steps
 * with rate q and noise multiplier sigma are about mu-GDP with
 * {@code mu = q sqrt(T (exp(1/sigma^2) - 1))}; epsilon is the root of
 * {@code delta(eps) = Phi(-eps/mu + mu/2) - exp(eps) Phi(-eps/mu - mu/2)}. Entries with different
 * settings compose by adding their mu^2. The approximation is asymptotic: it is accurate for many
 * steps with a small sampling rate and can underestimate epsilon otherwise; prefer {@link RdpAccountant}
 * for a guarantee.
 */
public final class GaussianAccountant extends StepHistory {

    @Override
    public String mechanism() {
        return "gdp";
    }

    @Override
    public GaussianAccountant emptyCopy() {
        return new GaussianAccountant();
    }

    /** The mu of the whole history under Poisson sampling. */
    public double mu() {
        double mu2 = 0;
        for (Entry e : history()) {
            if (e.noiseMultiplier() == 0 && e.sampleRate() > 0) return Double.POSITIVE_INFINITY;
            if (e.sampleRate() == 0) continue;
            double m = muPoisson(e.steps(), e.noiseMultiplier(), e.sampleRate());
            mu2 += m * m;
        }
        return Math.sqrt(mu2);
    }

    /** Opacus's {@code compute_mu_poisson}. */
    public static double muPoisson(long steps, double noiseMultiplier, double sampleRate) {
        return Math.sqrt(Math.expm1(1 / (noiseMultiplier * noiseMultiplier))) * Math.sqrt((double) steps) * sampleRate;
    }

    @Override
    public double getEpsilon(double delta) {
        PrivacyAccountant.checkDelta(delta);
        return epsFromMu(mu(), delta);
    }

    /** The delta of a mu-GDP mechanism at {@code eps}. */
    public static double deltaForEpsilon(double eps, double mu) {
        double a = Math.exp(logPhi(-eps / mu + mu / 2));
        double b = Math.exp(eps + logPhi(-eps / mu - mu / 2));
        return a - b;
    }

    /** The epsilon of a mu-GDP mechanism at {@code delta}, searched in [0, 500] as Opacus does. */
    public static double epsFromMu(double mu, double delta) {
        if (mu == 0) return 0;
        if (Double.isInfinite(mu)) return Double.POSITIVE_INFINITY;
        if (deltaForEpsilon(0, mu) <= delta) return 0;
        if (deltaForEpsilon(500, mu) > delta) return Double.POSITIVE_INFINITY;
        return new BrentSolver(1e-12, 1e-12).solve(1000, x -> deltaForEpsilon(x, mu) - delta, 0, 500);
    }

    private static double logPhi(double x) {
        return Math.log(0.5) + RdpAccountant.logErfc(-x / Math.sqrt(2));
    }

    @Override
    public String toString() {
        return "GaussianAccountant(" + steps() + " steps)";
    }
}
