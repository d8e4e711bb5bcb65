package dev.anvil.ops;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences, in double, of a float op: with loss(x) = sum_j y(x)_j * r_j for a
 * fixed random r, the analytic backward of the op, fed dy = r, must give d loss / dx. The Java
 * tests' one finite-difference checker: ops, layers (through their inputs and parameters) and
 * plug-in ops all go through it.
 *
 * <p>Tolerance: |numeric - analytic| <= {@link #RTOL} * max(max|analytic|, max|numeric|) at every
 * probed element. For ops linear in x (conv, linear, pooling, dropout) the difference quotient is
 * exact up to float rounding of y, so a large step h is used; for smooth non-linear ops
 * (cross-entropy) the truncation error is O(h^2); non-smooth ops (relu, max pooling) are probed
 * with inputs at least 2h away from their kinks. Either way the error is well under 1%, while a
 * wrong gradient (transposed index, wrong scale, missing term) is off by far more.
 */
public final class GradCheck {
    /** Relative tolerance, see the class comment. */
    public static final double RTOL = 1e-2;
    /** At most this many elements are probed, evenly spread, so that large inputs stay cheap. */
    private static final int MAX_PROBES = 96;

    private GradCheck() {}

    /** A float op under test: its output for an input, computed by the native kernel. */
    public interface Op {
        float[] apply(float[] x);
    }

    /**
     * Checks {@code analytic} (the op's backward for dy = r) against the finite-difference
     * gradient of sum(op(x) * r), with step h.
     */
    public static void check(String what, Op op, float[] x, float[] r, float[] analytic, double h) {
        int stride = Math.max(1, x.length / MAX_PROBES);
        double[] numeric = new double[x.length];
        double scale = Check.maxAbs(Check.toDouble(analytic));
        for (int i = 0; i < x.length; i += stride) {
            numeric[i] = derivative(op, x, r, i, h);
            scale = Math.max(scale, Math.abs(numeric[i]));
        }
        for (int i = 0; i < x.length; i += stride) {
            if (!(Math.abs(numeric[i] - analytic[i]) <= RTOL * scale)) {
                fail(what + ": gradient at element " + i + " is " + analytic[i] + ", finite differences give "
                        + numeric[i] + " (scale " + scale + ")");
            }
        }
    }

    private static double derivative(Op op, float[] x, float[] r, int i, double h) {
        float[] probe = x.clone();
        float up = (float) (x[i] + h), down = (float) (x[i] - h);
        probe[i] = up;
        double lossUp = dot(op.apply(probe), r);
        probe[i] = down;
        double lossDown = dot(op.apply(probe), r);
        return (lossUp - lossDown) / ((double) up - down);
    }

    private static double dot(float[] y, float[] r) {
        double sum = 0;
        for (int j = 0; j < y.length; j++) sum += (double) y[j] * r[j];
        return sum;
    }
}
