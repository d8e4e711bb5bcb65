package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DPOptimizerTest {
    /** Draws the noise of {@code steps} steps for a 40x25 Linear (1025 values per step) with zero clipped sums. */
    static double[][] noiseSamples(GaussianNoise noise, double sigma, double c, double expectedBatch, int steps) {
        try (Sequential model = new Sequential(new Linear(25, 40))) {
            SGD sgd = SGD.builder().lr(0).build(model.parameters());
            DPOptimizer dp = new DPOptimizer(sgd, sigma, c, expectedBatch, 0.01, noise, new RdpAccountant());
            double[][] out = new double[steps][];
            for (int s = 0; s < steps; s++) {
                dp.zeroGrad();
                dp.step();
                out[s] = flatGrads(model);
            }
            assertEquals(steps, dp.accountant().steps(), "each step is accounted");
            dp.close();
            return out;
        }
    }

    /** Every parameter gradient of {@code model}, one after the other. */
    static double[] flatGrads(Sequential model) {
        double[] v = new double[0];
        for (Parameter p : model.parameters()) {
            float[] g = p.grad().toFloatArray();
            double[] w = Arrays.copyOf(v, v.length + g.length);
            for (int i = 0; i < g.length; i++) w[v.length + i] = g[i];
            v = w;
        }
        return v;
    }

    static void assertGaussian(double[][] samples, double std) {
        long n = 0;
        double sum = 0, sumSq = 0;
        for (double[] s : samples) {
            for (double v : s) {
                sum += v;
                sumSq += v * v;
                n++;
            }
        }
        double mean = sum / n, var = sumSq / n - mean * mean;
        // mean: within 5 standard errors of 0; variance: within 5 standard errors (sqrt(2/n) relative) of std^2.
        assertEquals(0, mean, 5 * std / Math.sqrt(n), "mean of the added noise");
        assertEquals(std * std, var, 5 * Math.sqrt(2.0 / n) * std * std, "variance of the added noise");
    }

    @Test
    void seededNoiseHasTheOpacusStandardDeviation() {
        // Opacus: grad = (sum of clipped + N(0, (sigma C)^2)) / expected batch size.
        double sigma = 1.3, c = 0.7, batch = 64;
        double[][] s = noiseSamples(GaussianNoise.seeded(3, 0), sigma, c, batch, 60);
        assertGaussian(s, sigma * c / batch);
        // Steps draw fresh noise: consecutive steps are uncorrelated.
        double dot = 0, n0 = 0, n1 = 0;
        for (int i = 0; i < s[0].length; i++) {
            dot += s[0][i] * s[1][i];
            n0 += s[0][i] * s[0][i];
            n1 += s[1][i] * s[1][i];
        }
        assertTrue(Math.abs(dot / Math.sqrt(n0 * n1)) < 5 / Math.sqrt(s[0].length), "correlation between steps");
    }

    @Test
    void secureNoiseHasTheSameDistribution() {
        assertGaussian(noiseSamples(GaussianNoise.secure(), 0.9, 2.0, 10, 30), 0.9 * 2.0 / 10);
    }

    @Test
    void seedsAndRanksGiveDistinctReproducibleStreams() {
        float[] a = new float[100], b = new float[100], c = new float[100], d = new float[100];
        GaussianNoise.seeded(5, 0).fill(7, a, 1);
        GaussianNoise.seeded(5, 0).fill(7, b, 1);
        GaussianNoise.seeded(5, 1).fill(7, c, 1);
        GaussianNoise.seeded(5, 0).fill(8, d, 1);
        assertTrue(Arrays.equals(a, b), "same seed, rank and step: same noise");
        assertNotEquals(Arrays.toString(a), Arrays.toString(c), "another rank: other noise");
        assertNotEquals(Arrays.toString(a), Arrays.toString(d), "another step: other noise");
    }

    @Test
    void clippedSumIsNoisedAndAveraged() {
        // With sigma tiny, the step's gradient is the clipped sum divided by the expected batch size.
        try (Sequential model = new Sequential(new Linear(2, 1, false))) {
            Parameter w = model.parameters().get(0);
            w.value().copyFrom(new float[] {0, 0});
            SGD sgd = SGD.builder().lr(1).build(model.parameters());
            DPOptimizer dp = new DPOptimizer(sgd, 1e-9, 1, 4, 0.5, GaussianNoise.seeded(1, 0), new RdpAccountant());
            w.grad().copyFrom(new float[] {2, -6});
            w.beginGradWrite();
            dp.step();
            float[] v = w.value().toFloatArray();
            assertEquals(-0.5, v[0], 1e-6);
            assertEquals(1.5, v[1], 1e-6);
            dp.close();
        }
    }

    @Test
    void badArguments() {
        try (Sequential model = new Sequential(new Linear(2, 1))) {
            SGD sgd = SGD.builder().lr(1).build(model.parameters());
            GaussianNoise n = GaussianNoise.seeded(1, 0);
            RdpAccountant a = new RdpAccountant();
            assertThrows(IllegalArgumentException.class, () -> new DPOptimizer(sgd, -1, 1, 4, 0.1, n, a));
            assertThrows(IllegalArgumentException.class, () -> new DPOptimizer(sgd, 1, 0, 4, 0.1, n, a));
            assertThrows(IllegalArgumentException.class, () -> new DPOptimizer(sgd, 1, 1, 0, 0.1, n, a));
            assertThrows(IllegalArgumentException.class, () -> new DPOptimizer(null, 1, 1, 4, 0.1, n, a));
            assertThrows(IllegalArgumentException.class, () -> GaussianNoise.seeded(1, -1));
            sgd.close();
        }
    }
}
