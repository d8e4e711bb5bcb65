package dev.anvil.privacy;

import java.util.Arrays;
import org.apache.commons.math3.special.Erf;

/**
 * Rényi differential privacy accountant for the sampled Gaussian mechanism (Mironov 2017; Mironov,
 * Talwar and Zhang 2019), with the semantics of Opacus's {@code RDPAccountant} and TensorFlow
 * Privacy's {@code compute_rdp}: the RDP of one step at each order is computed exactly (integer
 * orders by the binomial expansion, fractional orders by the two-sided series), multiplied by the
 * number of steps, summed over the history and converted to (epsilon, delta) at the best order.
 *
 * <p>Conversion: {@link Conversion#BALLE_2020} (Opacus's, Balle et al. 2020, Proposition 12, the
 * default) or {@link Conversion#MIRONOV_2017} (Proposition 3, TensorFlow Privacy's older
 * {@code get_privacy_spent}).
 */
public final class RdpAccountant extends StepHistory {
    /** Opacus's default orders: 1.1, 1.2, ..., 10.9 and 12, 13, ..., 63. */
    public static final double[] DEFAULT_ORDERS = defaultOrders();

    /** How RDP at order alpha becomes (epsilon, delta)-DP. */
    public enum Conversion {
        /** eps = rdp + log((alpha-1)/alpha) - (log delta + log alpha)/(alpha-1) (Balle et al. 2020; Opacus). */
        BALLE_2020,
        /** eps = rdp - log(delta)/(alpha-1) (Mironov 2017, Proposition 3; older TensorFlow Privacy). */
        MIRONOV_2017
    }

    /** An epsilon and the order at which it was reached. */
    public record Spent(double epsilon, double order) {}

    private final double[] orders;
    private final Conversion conversion;

    /** Opacus's default orders and conversion. */
    public RdpAccountant() {
        this(DEFAULT_ORDERS, Conversion.BALLE_2020);
    }

    public RdpAccountant(double[] orders, Conversion conversion) {
        this.orders = checkOrders(orders).clone();
        if (conversion == null) throw new IllegalArgumentException("conversion is null");
        this.conversion = conversion;
    }

    private static double[] defaultOrders() {
        double[] a = new double[99 + 52];
        for (int x = 1; x < 100; x++) a[x - 1] = 1 + x / 10.0;
        for (int k = 12; k < 64; k++) a[99 + k - 12] = k;
        return a;
    }

    private static double[] checkOrders(double[] orders) {
        if (orders == null || orders.length == 0) throw new IllegalArgumentException("RDP orders: at least one is required");
        for (double a : orders) {
            if (!(a > 1)) throw new IllegalArgumentException("RDP orders must be > 1, got " + a);
        }
        return orders;
    }

    public double[] orders() {
        return orders.clone();
    }

    public Conversion conversion() {
        return conversion;
    }

    @Override
    public String mechanism() {
        return "rdp";
    }

    @Override
    public RdpAccountant emptyCopy() {
        return new RdpAccountant(orders, conversion);
    }

    /** The accumulated RDP at each of {@link #orders()}. */
    public double[] rdp() {
        double[] total = new double[orders.length];
        for (Entry e : history()) {
            double[] r = computeRdp(e.sampleRate(), e.noiseMultiplier(), e.steps(), orders);
            for (int i = 0; i < total.length; i++) total[i] += r[i];
        }
        return total;
    }

    @Override
    public double getEpsilon(double delta) {
        return getPrivacySpent(delta).epsilon();
    }

    /** The epsilon for {@code delta} and the order that gives it. */
    public Spent getPrivacySpent(double delta) {
        PrivacyAccountant.checkDelta(delta);
        if (history().isEmpty()) return new Spent(0, Double.NaN);
        return privacySpent(orders, rdp(), delta, conversion);
    }

    // ------------------------------------------------------------------ the analysis

    /**
     * RDP of {@code steps} steps of the sampled Gaussian mechanism with sampling rate {@code q} and
     * noise multiplier {@code sigma}, at each order (TensorFlow Privacy's and Opacus's {@code compute_rdp}).
     */
    public static double[] computeRdp(double q, double sigma, long steps, double[] orders) {
        PrivacyAccountant.checkSampleRate(q);
        PrivacyAccountant.checkNoiseMultiplier(sigma);
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        checkOrders(orders);
        double[] out = new double[orders.length];
        for (int i = 0; i < orders.length; i++) out[i] = rdpOneStep(q, sigma, orders[i]) * steps;
        return out;
    }

    private static double rdpOneStep(double q, double sigma, double alpha) {
        if (q == 0) return 0;
        if (sigma == 0) return Double.POSITIVE_INFINITY;
        if (q == 1) return alpha / (2 * sigma * sigma);
        if (Double.isInfinite(alpha)) return Double.POSITIVE_INFINITY;
        double logA = alpha == Math.rint(alpha) ? logAIntegerOrder(q, sigma, (long) alpha) : logAFractionalOrder(q, sigma, alpha);
        return logA / (alpha - 1);
    }

    /** log A_alpha for an integer order: log of sum_i C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)). */
    private static double logAIntegerOrder(double q, double sigma, long alpha) {
        double logA = Double.NEGATIVE_INFINITY;
        double logQ = Math.log(q), log1mQ = Math.log1p(-q);
        double logBinom = 0; // log C(alpha, 0)
        for (long i = 0; i <= alpha; i++) {
            if (i > 0) logBinom += Math.log((double) (alpha - i + 1)) - Math.log((double) i);
            double s = logBinom + i * logQ + (alpha - i) * log1mQ + (double) (i * i - i) / (2 * sigma * sigma);
            logA = logAdd(logA, s);
        }
        return logA;
    }

    /** log A_alpha for a fractional order: the two series of Mironov, Talwar and Zhang (2019), Section 3.3. */
    private static double logAFractionalOrder(double q, double sigma, double alpha) {
        double logA0 = Double.NEGATIVE_INFINITY, logA1 = Double.NEGATIVE_INFINITY;
        double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
        double logQ = Math.log(q), log1mQ = Math.log1p(-q);
        double logAbsCoef = 0; // log |C(alpha, 0)|
        boolean positive = true;
        for (int i = 0; ; i++) {
            if (i > 0) {
                double f = (alpha - i + 1) / i;
                logAbsCoef += Math.log(Math.abs(f));
                if (f < 0) positive = !positive;
            }
            double j = alpha - i;
            double logT0 = logAbsCoef + i * logQ + j * log1mQ;
            double logT1 = logAbsCoef + j * logQ + i * log1mQ;
            double logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.sqrt(2) * sigma));
            double logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.sqrt(2) * sigma));
            double logS0 = logT0 + (i * (double) i - i) / (2 * sigma * sigma) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
            if (positive) {
                logA0 = logAdd(logA0, logS0);
                logA1 = logAdd(logA1, logS1);
            } else {
                logA0 = logSub(logA0, logS0);
                logA1 = logSub(logA1, logS1);
            }
            if (Math.max(logS0, logS1) < -30) break;
            if (i > 1_000_000) throw new ArithmeticException("RDP series did not converge (q=" + q + ", sigma=" + sigma + ", alpha=" + alpha + ")");
        }
        return logAdd(logA0, logA1);
    }

    static double logAdd(double a, double b) {
        double lo = Math.min(a, b), hi = Math.max(a, b);
        if (lo == Double.NEGATIVE_INFINITY) return hi;
        return Math.log1p(Math.exp(lo - hi)) + hi;
    }

    static double logSub(double x, double y) {
        if (x < y) throw new ArithmeticException("log of a negative number in the RDP series");
        if (y == Double.NEGATIVE_INFINITY) return x;
        if (x == y) return Double.NEGATIVE_INFINITY;
        double d = Math.expm1(x - y);
        return Double.isInfinite(d) ? x : Math.log(d) + y;
    }

    /** log(erfc(x)), accurate where erfc(x) underflows (an asymptotic series beyond x = 20). */
    static double logErfc(double x) {
        if (x < 20) return Math.log(Erf.erfc(x));
        double inv = 1 / (2 * x * x), term = 1, sum = 1;
        for (int n = 1; n <= 12; n++) {
            term *= -(2 * n - 1) * inv;
            sum += term;
        }
        return -x * x - Math.log(x) - 0.5 * Math.log(Math.PI) + Math.log(sum);
    }

    /** The smallest epsilon over the orders for {@code delta}, and its order (Opacus's {@code get_privacy_spent}). */
    public static Spent privacySpent(double[] orders, double[] rdp, double delta, Conversion conversion) {
        checkOrders(orders);
        if (rdp == null || rdp.length != orders.length) {
            throw new IllegalArgumentException("orders and rdp must have the same length, got " + orders.length + " and "
                    + (rdp == null ? "null" : rdp.length));
        }
        PrivacyAccountant.checkDelta(delta);
        double best = Double.POSITIVE_INFINITY, bestOrder = Double.NaN;
        for (int i = 0; i < orders.length; i++) {
            double a = orders[i];
            double eps = conversion == Conversion.BALLE_2020
                    ? rdp[i] - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a)
                    : rdp[i] - Math.log(delta) / (a - 1);
            if (eps < best) {
                best = eps;
                bestOrder = a;
            }
        }
        return new Spent(Math.max(best, 0), bestOrder);
    }

    @Override
    public String toString() {
        return "RdpAccountant(" + orders.length + " orders " + Arrays.stream(orders).min().orElse(0) + ".."
                + Arrays.stream(orders).max().orElse(0) + ", " + conversion + ", " + steps() + " steps)";
    }
}
