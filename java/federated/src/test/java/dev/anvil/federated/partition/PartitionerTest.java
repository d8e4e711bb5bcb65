package dev.anvil.federated.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    /** 10 classes of 600 samples each, in a scrambled order (as a 6,000-sample slice of Fashion-MNIST). */
    private static int[] labels() {
        int[] y = new int[6000];
        for (int i = 0; i < y.length; i++) y[i] = (i * 7) % 10;
        return y;
    }

    /** Every sample index appears in exactly one client. */
    private static void assertCover(Partition p, int n) {
        int[] seen = new int[n];
        for (int c = 0; c < p.clients(); c++) for (int i : p.indices(c)) seen[i]++;
        for (int i = 0; i < n; i++) assertEquals(1, seen[i], "sample " + i);
    }

    private static int classesHeld(Partition p, int c) {
        int k = 0;
        for (int v : p.classCounts(c)) if (v > 0) k++;
        return k;
    }

    @Test
    void iidGivesEqualSharesWithEveryClassNearItsShare() {
        int[] y = labels();
        Partition p = Partitioner.iid().split(y, 10, 7, 1);
        assertCover(p, y.length);
        for (int c = 0; c < 7; c++) {
            assertTrue(p.size(c) == 857 || p.size(c) == 858, "size " + p.size(c));
            // 857 draws without replacement, p = 0.1: sd about 8.2; 6 sd is 49
            for (int k = 0; k < 10; k++) assertTrue(Math.abs(p.classCounts(c)[k] - 85.7) < 49, "client " + c + " class " + k + ": " + p.classCounts(c)[k]);
        }
    }

    @Test
    void sameSeedSamePartitionOtherSeedAnother() {
        int[] y = labels();
        for (Partitioner part : new Partitioner[] {Partitioner.iid(), Partitioner.dirichlet(0.3), Partitioner.shards(2)}) {
            Partition a = part.split(y, 10, 10, 5), b = part.split(y, 10, 10, 5), c = part.split(y, 10, 10, 6);
            for (int i = 0; i < 10; i++) assertArrayEquals(a.indices(i), b.indices(i), part + " client " + i);
            boolean differs = false;
            for (int i = 0; i < 10; i++) differs |= !java.util.Arrays.equals(a.indices(i), c.indices(i));
            assertTrue(differs, part + ": another seed gives another partition");
        }
    }

    @Test
    void dirichletCoversAndSkewFallsAsAlphaGrows() {
        int[] y = labels();
        double[] meanClasses = new double[3];
        double[] alphas = {0.1, 1.0, 100.0};
        for (int a = 0; a < alphas.length; a++) {
            for (long seed = 0; seed < 5; seed++) {
                Partition p = Partitioner.dirichlet(alphas[a]).split(y, 10, 10, seed);
                assertCover(p, y.length);
                for (int c = 0; c < 10; c++) {
                    assertTrue(p.size(c) >= 10, "NIID-Bench's minimum of 10 samples per client");
                    meanClasses[a] += classesHeld(p, c) / 50.0;
                }
            }
        }
        // alpha 100 is near IID: every client holds all 10 classes; alpha 0.1 a few
        assertEquals(10.0, meanClasses[2], 1e-9);
        assertTrue(meanClasses[0] < 5, "alpha 0.1: mean classes per client " + meanClasses[0]);
        assertTrue(meanClasses[0] < meanClasses[1] && meanClasses[1] <= meanClasses[2], java.util.Arrays.toString(meanClasses));
    }

    /**
     * The Dirichlet draw against its moments: for Dir(alpha) of dimension K, E[p_i] = 1/K and
     * Var[p_i] = (K - 1) / (K^2 (K alpha + 1)); K = 10, alpha = 0.3 gives 0.0225.
     */
    @Test
    void dirichletDrawsHaveTheTextbookMoments() {
        SplittableRandom rng = new SplittableRandom(3);
        int draws = 20000;
        double sum = 0, sumSq = 0;
        for (int d = 0; d < draws; d++) {
            double[] p = Shuffle.dirichlet(0.3, 10, rng);
            double total = 0;
            for (double v : p) total += v;
            assertEquals(1.0, total, 1e-9);
            sum += p[3];
            sumSq += p[3] * p[3];
        }
        double mean = sum / draws, var = sumSq / draws - mean * mean;
        assertEquals(0.1, mean, 0.004); // standard error 0.0011
        assertEquals(0.0225, var, 0.0015); // standard error about 0.0004
    }

    /** Gamma(shape, 1) has mean shape and variance shape: checked below and above shape 1. */
    @Test
    void gammaDrawsHaveMeanAndVarianceShape() {
        SplittableRandom rng = new SplittableRandom(9);
        for (double shape : new double[] {0.3, 2.5}) {
            int n = 40000;
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                double g = Shuffle.gamma(shape, rng);
                assertTrue(g >= 0);
                s += g;
                s2 += g * g;
            }
            double mean = s / n, var = s2 / n - mean * mean;
            assertEquals(shape, mean, 0.03 * Math.max(1, shape), "mean of Gamma(" + shape + ")");
            assertEquals(shape, var, 0.08 * Math.max(1, shape), "variance of Gamma(" + shape + ")");
        }
    }

    @Test
    void shardsGiveEachClientFewClassesAndEqualSizes() {
        int[] y = labels();
        Partition p = Partitioner.shards(2).split(y, 10, 100, 4);
        assertCover(p, y.length);
        for (int c = 0; c < 100; c++) {
            assertEquals(60, p.size(c)); // 200 shards of 30
            // a shard of 30 sorted labels lies within one class of 600: two shards, at most two classes
            assertTrue(classesHeld(p, c) <= 2, "client " + c + " holds " + classesHeld(p, c) + " classes");
        }
    }

    @Test
    void describeListsEachClientsClassCounts() {
        Partition p = Partitioner.shards(1).split(new int[] {0, 0, 1, 1}, 2, 2, 0);
        String d = p.describe();
        assertTrue(d.contains("client   0:      2 samples"), d);
        assertTrue(d.contains("[2, 0]") && d.contains("[0, 2]"), d);
    }

    @Test
    void badArgumentsAreRejectedClearly() {
        assertThrows(IllegalArgumentException.class, () -> Partitioner.dirichlet(0));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.dirichlet(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.shards(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Partitioner.iid().split(new int[] {0, 1}, 2, 3, 0));
        assertTrue(e.getMessage().contains("2 samples cannot be split among 3 clients"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Partitioner.iid().split(new int[] {0, 5}, 2, 1, 0));
        assertTrue(e.getMessage().contains("label 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Partitioner.parse("dirichlet"));
        assertTrue(e.getMessage().contains("dirichlet:ALPHA"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Partitioner.parse("dirichlet:x"));
        assertEquals("dirichlet:0.3", Partitioner.parse("Dirichlet:0.3").toString());
        assertEquals("shards:2", Partitioner.parse("shards:2").toString());
    }
}
