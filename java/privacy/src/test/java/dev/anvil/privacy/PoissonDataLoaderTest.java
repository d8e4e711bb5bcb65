package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoissonDataLoaderTest {
    @Test
    void batchSizesAndInclusionFollowPoissonSampling() {
        int n = 2000;
        double q = 0.05;
        try (PoissonDataLoader loader = PoissonDataLoader.builder(new SyntheticDataset(n, 1)).sampleRate(q).seed(9).build()) {
            assertEquals(20, loader.stepsPerEpoch(), "Opacus: round(1/q) steps per epoch");
            assertEquals(100, loader.expectedBatchSize(), 1e-9);
            long total = 0;
            double sumSq = 0;
            int batches = 0;
            int[] counts = new int[n];
            for (int e = 0; e < 10; e++) {
                for (int[] idx : loader.indices(e)) {
                    total += idx.length;
                    sumSq += (double) idx.length * idx.length;
                    batches++;
                    for (int i = 1; i < idx.length; i++) assertTrue(idx[i] > idx[i - 1], "no sample twice in a batch");
                    for (int i : idx) counts[i]++;
                }
            }
            double mean = (double) total / batches, var = sumSq / batches - mean * mean;
            // Binomial(N, q): mean Nq = 100, variance Nq(1-q) = 95; 200 batches.
            assertEquals(100, mean, 5 * Math.sqrt(95.0 / batches));
            assertEquals(95, var, 95 * 5 * Math.sqrt(2.0 / batches));
            // Each sample is drawn about q * 200 = 10 times: the first and second half of the data set alike.
            long first = Arrays.stream(counts, 0, n / 2).sum(), second = Arrays.stream(counts, n / 2, n).sum();
            assertEquals(first, second, 5 * Math.sqrt(total));
        }
    }

    @Test
    void epochsAreReproducibleAndDistinct() {
        try (PoissonDataLoader a = PoissonDataLoader.builder(new SyntheticDataset(500, 1)).expectedBatchSize(50).seed(3).build();
             PoissonDataLoader b = PoissonDataLoader.builder(new SyntheticDataset(500, 1)).expectedBatchSize(50).seed(3).build()) {
            List<int[]> e0 = a.indices(0), again = b.indices(0), e1 = a.indices(1);
            for (int s = 0; s < e0.size(); s++) assertTrue(Arrays.equals(e0.get(s), again.get(s)));
            assertTrue(!Arrays.equals(e0.get(0), e1.get(0)), "another epoch draws other batches");
        }
    }

    @Test
    void batchesHoldTheSampledImagesAndLabels() {
        SyntheticDataset data = new SyntheticDataset(300, 2);
        try (PoissonDataLoader loader = PoissonDataLoader.builder(data).sampleRate(0.1).seed(4).build()) {
            int[] idx = loader.indices(0).get(0);
            PoissonDataLoader.PrivateBatch b = loader.epoch(0).iterator().next();
            assertEquals(idx.length, b.size());
            int[] labels = b.labels().toIntArray();
            float[] images = b.images().toFloatArray();
            java.nio.FloatBuffer one = java.nio.FloatBuffer.allocate(64);
            data.read(idx[idx.length - 1], one);
            for (int j = 0; j < 64; j++) assertEquals(one.get(j), images[(idx.length - 1) * 64 + j]);
            for (int i = 0; i < idx.length; i++) assertEquals(data.label(idx[i]), labels[i]);
        }
    }

    @Test
    void badArguments() {
        SyntheticDataset data = new SyntheticDataset(10, 1);
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(data).sampleRate(0));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(data).sampleRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(data).expectedBatchSize(11));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(data).build());
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(null));
    }
}
