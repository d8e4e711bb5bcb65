package dev.anvil.tune.sampler;

import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;

/** The normal distribution cut to [low, high], computed on the side of the mean where the tails keep their precision. */
final class TruncatedNormal {
    private static final double SQRT2 = Math.sqrt(2);
    static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

    private TruncatedNormal() {}

    /** Standard normal CDF. */
    static double phi(double z) {
        return 0.5 * erfc(-z / SQRT2);
    }

    /**
     * The complementary error function with fractional error below 1.2e-7 everywhere (the
     * Chebyshev-fitted formula of Press et al., Numerical Recipes, 2nd ed., section 6.2), tails
     * included. commons-math3's erfc is exact to double precision but evaluates a continued
     * fraction: far too slow for TPE's thousands of kernels per suggestion.
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /** P(a < Z < b) for a standard normal Z, precise in either tail. */
    static double mass(double a, double b) {
        if (a > 0) return phi(-a) - phi(-b);
        return phi(b) - phi(a);
    }

    /** log(sigma) + log P(low < X < high) for X ~ N(mu, sigma): what the truncated density divides by. */
    static double logNormaliser(double mu, double sigma, double low, double high) {
        return Math.log(sigma) + Math.log(Math.max(mass((low - mu) / sigma, (high - mu) / sigma), 1e-300));
    }

    /**
     * A draw by inversion of the CDF, on the lower tail side. The mean should lie in [low, high]
     * (TPE's kernels always do): far outside it the inverse loses precision and the draw is clipped.
     */
    static double sample(SplittableRandom rng, double mu, double sigma, double low, double high) {
        double a = (low - mu) / sigma, b = (high - mu) / sigma;
        boolean mirror = a > 0;
        if (mirror) {
            double t = a;
            a = -b;
            b = -t;
        }
        double pa = phi(a), pb = phi(b);
        double z;
        if (pb - pa < 1e-300) {
            z = mirror ? -(a + b) / 2 : (a + b) / 2;
        } else {
            double p = pa + rng.nextDouble() * (pb - pa);
            z = -SQRT2 * Erf.erfcInv(2 * p);
            if (mirror) z = -z;
        }
        return Math.min(high, Math.max(low, mu + sigma * z));
    }
}
