package dev.anvil.tune.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.FloatDistribution;
import dev.anvil.tune.space.IntDistribution;
import dev.anvil.tune.space.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

/** The numerical pieces: erfc, truncated normals, Parzen estimators, the Gaussian process, CMA-ES. */
class MathTest {
    @Test
    void fastErfcHasTheDocumentedRelativeErrorBelow1_2e7() {
        // Press et al., Numerical Recipes 2nd ed., 6.2: fractional error < 1.2e-7 everywhere.
        for (double x = -5; x <= 25; x += 0.01) {
            double exact = Erf.erfc(x), fast = TruncatedNormal.erfc(x);
            assertEquals(exact, fast, 1.2e-7 * exact + 1e-300, "x = " + x);
        }
    }

    @Test
    void truncatedNormalDrawsStayInRangeWithTheRightMean() {
        SplittableRandom rng = new SplittableRandom(1);
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double x = TruncatedNormal.sample(rng, 0, 1, 0, 10); // half-normal: mean sqrt(2 / pi)
            assertTrue(x >= 0 && x <= 10);
            sum += x;
        }
        assertEquals(Math.sqrt(2 / Math.PI), sum / n, 0.02);
        // a narrow kernel at the edge of its range (TPE's kernels sit inside their range)
        for (int i = 0; i < 1000; i++) {
            double x = TruncatedNormal.sample(rng, 1, 0.001, 0, 1);
            assertTrue(x >= 0.99 && x <= 1, "" + x);
        }
    }

    private static List<Map<String, Object>> observations(String name, Object... values) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object v : values) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(name, v);
            out.add(m);
        }
        return out;
    }

    @Test
    void sortedOrderIsStableOnTies() {
        assertEquals(List.of(3, 1, 4, 0, 2), java.util.Arrays.stream(ParzenEstimator.sortedOrder(new double[] {2, 1, 3, 0.5, 1})).boxed().toList());
    }

    @Test
    void parzenDensitiesIntegrateToOne() {
        for (FloatDistribution d : List.of(FloatDistribution.uniform(-2, 3), FloatDistribution.logUniform(1e-3, 10))) {
            Param p = new Param("x", d, null);
            ParzenEstimator e = new ParzenEstimator(List.of(p), observations("x", d.fromUnit(0.2), d.fromUnit(0.25), d.fromUnit(0.9)),
                    new double[] {1, 1, 0.5}, false);
            double lo = ParzenEstimator.lowEdge(d), hi = ParzenEstimator.highEdge(d), integral = 0;
            int steps = 20_000;
            for (int i = 0; i < steps; i++) {
                double c = lo + (i + 0.5) * (hi - lo) / steps;
                double value = d.log() ? Math.exp(c) : c;
                integral += Math.exp(e.logPdf(Map.of("x", value))) * (hi - lo) / steps;
            }
            assertEquals(1.0, integral, 1e-3, d.describe());
        }
        IntDistribution i = IntDistribution.logUniform(1, 50);
        ParzenEstimator ei = new ParzenEstimator(List.of(new Param("n", i, null)), observations("n", 3L, 40L), new double[] {1, 1}, false);
        double mass = 0;
        for (long v = 1; v <= 50; v++) mass += Math.exp(ei.logPdf(Map.of("n", v)));
        assertEquals(1.0, mass, 1e-6);
        CategoricalDistribution c = CategoricalDistribution.of("a", "b", "c");
        ParzenEstimator ec = new ParzenEstimator(List.of(new Param("k", c, null)), observations("k", "a", "a", "b"), new double[] {1, 1, 1}, false);
        double pa = Math.exp(ec.logPdf(Map.of("k", "a"))), pb = Math.exp(ec.logPdf(Map.of("k", "b"))), pc = Math.exp(ec.logPdf(Map.of("k", "c")));
        assertEquals(1.0, pa + pb + pc, 1e-12);
        assertTrue(pa > pb && pb > pc);
    }

    @Test
    void gaussianProcessInterpolatesAndItsLengthScalesIgnoreAnIrrelevantInput() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 25;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {rng.nextDouble(), rng.nextDouble()};
            y[i] = Math.sin(6 * x[i][0]); // depends on input 0 only
        }
        GaussianProcess gp = new GaussianProcess(new boolean[] {false, false});
        double[] theta = gp.fit(x, y, gp.defaultTheta(), 400);
        assertTrue(theta[1] > theta[0] + 1, "length scale of the irrelevant input (" + Math.exp(theta[1]) + ") >> relevant (" + Math.exp(theta[0]) + ")");
        for (int i = 0; i < n; i++) assertEquals(y[i], gp.predict(x[i])[0], 0.05);
        double[] far = gp.predict(new double[] {0.5, 0.5});
        assertEquals(Math.sin(3), far[0], 0.1);
        // log EI is finite deep in the tail (the asymptotic branch)
        assertTrue(Double.isFinite(GpSampler.logEi(gp, x[0], -1e3)));
    }

    @Test
    void cmaEsDefaultsFollowHansensTutorialAndConvergeOnASphere() {
        assertEquals(6, new CmaEs(2, 0.3).lambda); // 4 + floor(3 ln 2)
        assertEquals(9, new CmaEs(6, 0.3).lambda); // 4 + floor(3 ln 6 = 5.38)
        CmaEs es = new CmaEs(4, 1.0 / 6);
        SplittableRandom rng = new SplittableRandom(2);
        for (int g = 0; g < 60; g++) {
            List<double[]> xs = new ArrayList<>();
            for (int k = 0; k < es.lambda; k++) xs.add(es.sample(rng));
            xs.sort((a, b) -> Double.compare(sphere(a), sphere(b)));
            es.tell(xs);
        }
        for (double m : es.mean()) assertEquals(0.3, m, 1e-3);
        assertTrue(es.sigma() < 0.01);
    }

    private static double sphere(double[] x) {
        double s = 0;
        for (double v : x) s += (v - 0.3) * (v - 0.3);
        return s;
    }
}
