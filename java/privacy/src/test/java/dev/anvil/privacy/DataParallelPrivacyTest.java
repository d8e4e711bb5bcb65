package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import dev.anvil.distributed.LocalProcessGroup;
import dev.anvil.distributed.LocalWorld;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DP-SGD over a process group: each rank clips its own samples, the noise is added once. */
class DataParallelPrivacyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** What a rank (or the single process) ends with. */
    private record Outcome(float[] weights, double epsilon, long steps) {}

    /** The model of PrivateTrainerTest, built under the generator's lock (ranks are threads here). */
    private static Sequential seededModel() {
        synchronized (Init.class) {
            return PrivateTrainerTest.model();
        }
    }

    /** Trains {@code epochs} epochs (after resuming {@code from} when not null) and saves to {@code to} when not null. */
    private static Outcome train(ProcessGroup group, int epochs, Path from, Path to) throws Exception {
        PrivacyEngine.Builder b = PrivateTrainerTest.engine();
        if (group != null) b.processGroup(group);
        try (Sequential m = seededModel();
             PrivateTrainer t = b.build().makePrivate(m, SGD.builder().lr(0.3).momentum(0.9).build(m.parameters()),
                     PrivateTrainerTest.TRAIN, 50)) {
            if (from != null) t.resume(from);
            for (int e = 0; e < epochs; e++) t.trainEpoch();
            if (to != null) t.save(to);
            return new Outcome(PrivateTrainerTest.weights(m), t.epsilon(), t.accountant().steps());
        }
    }

    private static List<Outcome> twoRanks(int epochs, Path from, Path to) {
        try (LocalWorld world = LocalProcessGroup.create(2, TIMEOUT)) {
            return world.run(g -> train(g, epochs, from, to));
        }
    }

    private static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        assertTrue(worst <= tol, what + ": largest difference " + worst);
    }

    @Test
    void theRanksBatchesTogetherAreTheSingleProcessBatch() {
        PoissonDataLoader one = PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).expectedBatchSize(50).seed(4).build();
        PoissonDataLoader r0 = PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).expectedBatchSize(50).seed(4).shard(0, 3).build();
        PoissonDataLoader r1 = PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).expectedBatchSize(50).seed(4).shard(1, 3).build();
        PoissonDataLoader r2 = PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).expectedBatchSize(50).seed(4).shard(2, 3).build();
        assertEquals(one.sampleRate(), r1.sampleRate());
        assertEquals(50, r1.expectedBatchSize(), 1e-9, "the expected batch is that of all ranks together");
        assertEquals(one.stepsPerEpoch(), r2.stepsPerEpoch(), "every rank takes the same number of steps");
        List<int[]> all = one.indices(1), a = r0.indices(1), b = r1.indices(1), c = r2.indices(1);
        for (int s = 0; s < all.size(); s++) {
            TreeSet<Integer> union = new TreeSet<>();
            int count = 0;
            for (int[] part : List.of(a.get(s), b.get(s), c.get(s))) {
                for (int i : part) union.add(i);
                count += part.length;
            }
            assertEquals(count, union.size(), "the ranks' batches are disjoint");
            assertArrayEquals(all.get(s), union.stream().mapToInt(Integer::intValue).toArray(), "step " + s);
            for (int i : b.get(s)) assertEquals(1, i % 3, "rank 1 reads its own shard");
        }
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).shard(2, 2));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).shard(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(PrivateTrainerTest.TRAIN).shard(0, 0));
        assertThrows(IllegalArgumentException.class, () -> PoissonDataLoader.builder(new SyntheticDataset(3, 1)).shard(0, 4));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().processGroup(null));
    }

    @Test
    void twoRanksTakeTheSingleProcessStepsAndSpendTheSameEpsilon() throws Exception {
        Outcome single = train(null, 2, null, null);
        List<Outcome> ranks = twoRanks(2, null, null);
        // The all-reduce adds in a fixed order: the replicas are bit-identical.
        assertArrayEquals(ranks.get(0).weights(), ranks.get(1).weights(), "replicas");
        // The same samples clipped and the same noise (rank 0 draws the single process's stream); only the order of
        // the float additions differs (each rank's clipped sum, then the all-reduce).
        assertClose(single.weights(), ranks.get(0).weights(), 1e-4, "two ranks against one process");
        for (Outcome r : ranks) {
            assertEquals(single.steps(), r.steps());
            assertEquals(single.epsilon(), r.epsilon(), 0, "every rank's accountant reports the single process's epsilon");
        }
    }

    @Test
    void theNoiseIsAddedOnce() {
        // Zero clipped sums: the gradient after the step is the noise divided by the expected batch size alone.
        double sigma = 1.3, c = 0.7, batch = 64;
        int steps = 60;
        double[][] single = DPOptimizerTest.noiseSamples(GaussianNoise.seeded(3, 0), sigma, c, batch, steps);
        List<double[][]> ranks;
        try (LocalWorld world = LocalProcessGroup.create(2, TIMEOUT)) {
            ranks = world.run(g -> {
                try (Sequential model = new Sequential(new Linear(25, 40))) {
                    SGD sgd = SGD.builder().lr(0).build(model.parameters());
                    DPOptimizer dp = new DPOptimizer(sgd, sigma, c, batch, 0.01, GaussianNoise.seeded(3, g.rank()),
                            new RdpAccountant(), g);
                    double[][] out = new double[steps][];
                    for (int s = 0; s < steps; s++) {
                        dp.zeroGrad();
                        dp.step();
                        out[s] = DPOptimizerTest.flatGrads(model);
                    }
                    dp.close();
                    return out;
                }
            });
        }
        for (int s = 0; s < steps; s++) {
            assertArrayEquals(single[s], ranks.get(0)[s], "step " + s + ": rank 0's noise is the single process's");
            assertArrayEquals(single[s], ranks.get(1)[s], "step " + s + ": every rank gets the same noisy gradient");
        }
        // Variance (sigma C / B)^2, not W times it (5 standard errors: 3% here, against a factor of 2).
        DPOptimizerTest.assertGaussian(ranks.get(1), sigma * c / batch);
    }

    @Test
    void resumeKeepsTheAccountantAndContinuesWithAnyNumberOfRanks(@TempDir Path dir) throws Exception {
        List<Outcome> straight = twoRanks(2, null, null);
        Path ckpt = dir.resolve("dp2.ckpt");
        twoRanks(1, null, ckpt);
        List<Outcome> resumed = twoRanks(1, ckpt, null);
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(straight.get(r).weights(), resumed.get(r).weights(), "rank " + r + " after the resume");
            assertEquals(straight.get(r).epsilon(), resumed.get(r).epsilon(), 1e-12);
            assertEquals(40, resumed.get(r).steps());
        }
        // One process resuming the two ranks' checkpoint draws the same batches (together) and the same noise.
        Outcome alone = train(null, 1, ckpt, null);
        assertClose(straight.get(0).weights(), alone.weights(), 1e-4, "one process resuming a two-rank run");
        assertEquals(straight.get(0).epsilon(), alone.epsilon(), 1e-12);
    }

}
