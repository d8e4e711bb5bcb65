package dev.anvil.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import java.util.Random;
import org.junit.jupiter.api.function.Executable;

/** Comparisons against the double reference, and the test data they run on. */
final class Check {
    private Check() {}

    /**
     * Tolerance of a float32 result whose elements are sums of {@code reduction} products:
     * 1e-6 * sqrt(reduction) * max|ref|. Rounding of a float sum grows like sqrt(K) * 6e-8 (float
     * epsilon / 2) times the size of its terms, so this leaves a margin of more than 10x for
     * blocked summation orders and FMA, while a wrong index or a missing term is off by O(max|ref|).
     */
    static double sumTolerance(int reduction, double[] ref) {
        return 1e-6 * Math.sqrt(Math.max(1, reduction)) * maxAbs(ref);
    }

    /** Tolerance of a float32 result of an elementwise formula: a few float ulps of max|ref|. */
    static double elementTolerance(double[] ref) {
        return 1e-6 * maxAbs(ref);
    }

    static void assertClose(String what, double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": element count");
        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(expected[i] - actual[i]);
            if (!(error <= worstError) || worst < 0) {
                worst = i;
                worstError = error;
            }
        }
        if (!(worstError <= tolerance)) {
            fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst] + " (error "
                    + worstError + " > tolerance " + tolerance + ")");
        }
    }

    /** expected[i] + extra[i], for gradients accumulated onto an existing value. */
    static double[] plus(double[] expected, float[] extra) {
        double[] sum = expected.clone();
        for (int i = 0; i < sum.length; i++) sum[i] += extra[i];
        return sum;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) m = Math.max(m, Math.abs(d));
        return m;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /** n floats uniform in [-1, 1), reproducible from the seed. */
    static float[] uniform(long seed, int n) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = random.nextFloat() * 2 - 1;
        return v;
    }

    /** n distinct floats, a shuffle of -n/2*0.01 .. n/2*0.01 spaced by 0.01: no ties, no near-ties. */
    static float[] distinct(long seed, int n) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.01f;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    /** Asserts that {@code call} fails with INVALID_ARGUMENT and a message containing every fragment. */
    static void assertInvalid(Executable call, String... fragments) {
        AnvilException e = assertThrows(AnvilException.class, call);
        assertEquals(AnvilException.Status.INVALID_ARGUMENT, e.status(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    /** The tensor-leak check every op test class runs after each test. */
    static void assertNoLiveTensors() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }
}
