package dev.anvil.tune.sampler;

import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;

/** The normal distribution cut to [low, high], computed on the side of the mean where the tails keep their precision. */
final class TruncatedNormal {
    private static final double SQRT2 = Math.sqrt(2);
    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

    private TruncatedNormal() {}

    /** Standard normal CDF. */
    static double phi(double z) {
        return 0.5 * Erf.erfc(-z / SQRT2);
    }

    /** P(a < Z < b) for a standard normal Z, precise in either tail. */
    static double mass(double a, double b) {
        if (a > 0) return phi(-a) - phi(-b);
        return phi(b) - phi(a);
    }

    /** Log density at x of N(mu, sigma) truncated to [low, high]. */
    static double logPdf(double x, double mu, double sigma, double low, double high) {
        double z = (x - mu) / sigma;
        return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - Math.log(Math.max(mass((low - mu) / sigma, (high - mu) / sigma), 1e-300));
    }

    /** Log probability that N(mu, sigma) truncated to [low, high] falls in [a, b]. */
    static double logMass(double a, double b, double mu, double sigma, double low, double high) {
        double num = mass((a - mu) / sigma, (b - mu) / sigma);
        double den = mass((low - mu) / sigma, (high - mu) / sigma);
        return Math.log(Math.max(num, 1e-300)) - Math.log(Math.max(den, 1e-300));
    }

    /** A draw by inversion of the CDF, on the lower tail side so that far tails stay exact. */
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
