package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Ranks on threads train to the same parameters as one process on the global batch. */
class DistributedDataParallelTest {
    private static final long SEED = 17;
    static final int SIZE = 103; // the samples of DistributedSamplerTest's locality shards
    private static final int EPOCHS = 2;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** 1x8x8 noise images in 3 classes: the class is the row band that is brighter. */
    record Bands(int size) implements Dataset {
        @Override
        public long[] sampleShape() {
            return new long[] {1, 8, 8};
        }

        @Override
        public int numClasses() {
            return 3;
        }

        @Override
        public int label(int index) {
            return index % 3;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            SplittableRandom rng = new SplittableRandom(index);
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) dst.put((float) (rng.nextDouble() + (r * 3 / 8 == label(index) ? 0.7 : 0)));
            }
        }
    }

    /** conv 1->4 3x3 + ReLU + flatten + linear 144->3, from {@code seed}. */
    private static Sequential smallModel(long seed) {
        Sequential model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 3));
        model.resetParameters(seed);
        return model;
    }

    private static SGD sgd(Sequential model) {
        return SGD.builder().lr(0.1).momentum(0.9).build(model.parameters());
    }

    private static List<float[]> values(Sequential model) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : model.parameters()) out.add(p.value().toFloatArray());
        return out;
    }

    /** One single-process SGD step on the given samples. */
    private static void referenceStep(Sequential model, SGD opt, CrossEntropyLoss loss, Dataset data, int[] samples) {
        try (Scope scope = Scope.open()) {
            Tensor images = Tensor.empty(samples.length, 1, 8, 8);
            FloatBuffer x = images.floatBuffer();
            int[] y = new int[samples.length];
            for (int i = 0; i < samples.length; i++) {
                data.read(samples[i], x);
                y[i] = data.label(samples[i]);
            }
            opt.zeroGrad();
            loss.forward(model.forward(images), Tensor.ofInts(y, samples.length));
            model.backward(loss.backward(), false);
            opt.step();
        }
    }

    /** Parameters after one process trains on the union of the ranks' batches, step by step. */
    static List<float[]> reference(DistributedSampler.Builder sampler, Dataset data) {
        DistributedSampler s = sampler.build();
        try (Sequential model = smallModel(SEED); SGD opt = sgd(model); CrossEntropyLoss loss = new CrossEntropyLoss()) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                Partition p = s.partitionOf(epoch);
                for (int step = 0; step < p.steps(); step++) {
                    List<Integer> global = new ArrayList<>();
                    for (int r = 0; r < p.worldSize(); r++) {
                        for (int i : p.batch(r, step)) global.add(i);
                    }
                    referenceStep(model, opt, loss, data, global.stream().mapToInt(Integer::intValue).toArray());
                }
            }
            return values(model);
        }
    }

    /** Every rank's parameters after DDP training with a sampler per rank. */
    private static List<List<float[]>> distributed(int world, ShardingStrategy strategy, long bucketCap) {
        try (LocalWorld w = LocalProcessGroup.create(world, Duration.ofSeconds(60))) {
            return w.run(training(strategy, bucketCap));
        }
    }

    /** One rank's DDP training, as a task for any world of ranks. */
    private static LocalWorld.RankTask<List<float[]>> training(ShardingStrategy strategy, long bucketCap) {
        return g -> train(g, strategy, bucketCap);
    }

    /** This rank's parameters after DDP training on its shard (the MPI test's ranks run it too). */
    static List<float[]> train(ProcessGroup g, ShardingStrategy strategy, long bucketCap) {
        return train(g, strategy, bucketCap, Device.cpu());
    }

    /** As {@link #train(ProcessGroup, ShardingStrategy, long)} with the model and batches on {@code device}. */
    static List<float[]> train(ProcessGroup g, ShardingStrategy strategy, long bucketCap, Device device) {
        Dataset data = new Bands(SIZE);
        DistributedSampler sampler = samplerBuilder(g.rank(), g.worldSize(), strategy).build();
        // ranks start from different parameters: DDP must broadcast rank 0's
        try (Sequential model = smallModel(SEED + 100L * g.rank()).to(device);
                DistributedDataParallel ddp = DistributedDataParallel.builder(model, g)
                        .bucketCapBytes(bucketCap).firstBucketCapBytes(bucketCap).build();
                SGD opt = sgd(model);
                DdpTrainer trainer = new DdpTrainer(ddp, opt);
                DataLoader loader = DataLoader.builder(sampler.shard(data)).batchSize(sampler.batchSize()).prefetch(0)
                        .device(device).build()) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                sampler.setEpoch(epoch);
                for (Batch b : loader) trainer.step(b.images(), b.labels());
            }
            return values(model);
        }
    }

    static DistributedSampler.Builder samplerBuilder(int rank, int world, ShardingStrategy strategy) {
        return DistributedSampler.builder(SIZE, rank, world).strategy(strategy).batchSize(4).seed(3);
    }

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (int world : new int[] {2, 3}) {
            for (ShardingStrategy s : DistributedSamplerTest.strategies(world)) out.add(new Object[] {world, s});
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ranks, {1}")
    @MethodSource("cases")
    void ranksTrainLikeOneProcessOnTheGlobalBatch(int world, ShardingStrategy strategy) {
        List<float[]> expected = reference(samplerBuilder(0, world, strategy), new Bands(SIZE));
        List<List<float[]>> ranks = distributed(world, strategy, DistributedDataParallel.DEFAULT_BUCKET_CAP_BYTES);
        assertReplicasIdentical(ranks);
        assertClose(expected, ranks.get(0));
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void ranksOverTcpTrainLikeOneProcessOnTheGlobalBatch(int world) throws Exception {
        List<float[]> expected = reference(samplerBuilder(0, world, ShardingStrategy.strided()), new Bands(SIZE));
        List<List<float[]>> ranks = TcpWorld.run(world, Duration.ofSeconds(60), training(ShardingStrategy.strided(), 64));
        assertReplicasIdentical(ranks);
        assertClose(expected, ranks.get(0));
    }

    @Test
    void tinyBucketsOverlapTheBackwardPassAndGiveTheSameResult() {
        List<List<float[]>> big = distributed(2, ShardingStrategy.strided(), DistributedDataParallel.DEFAULT_BUCKET_CAP_BYTES);
        List<List<float[]>> tiny = distributed(2, ShardingStrategy.strided(), 64);
        assertReplicasIdentical(tiny);
        for (int i = 0; i < big.get(0).size(); i++) assertArrayEquals(big.get(0).get(i), tiny.get(0).get(i), 0f, "parameter " + i);

        try (LocalWorld w = LocalProcessGroup.create(2, Duration.ofSeconds(60))) {
            List<SyncStats> stats = w.run(g -> {
                try (Sequential model = smallModel(SEED); Scope scope = Scope.open();
                        DistributedDataParallel ddp = DistributedDataParallel.builder(model, g).bucketCapBytes(64).firstBucketCapBytes(64).build();
                        CrossEntropyLoss loss = new CrossEntropyLoss()) {
                    // reverse order: linear bias | linear weight | conv bias | conv weight (each over 64 bytes with the next)
                    assertEquals(List.of(1, 1, 1, 1), ddp.bucketSizes());
                    Tensor x = Tensor.zeros(2, 1, 8, 8).fill(g.rank() + 1);
                    loss.forward(ddp.forward(x), Tensor.ofInts(new int[] {0, 1}, 2));
                    ddp.backward(loss.backward(), 2);
                    return ddp.lastSync();
                }
            });
            for (SyncStats s : stats) {
                assertEquals(4, s.buckets());
                assertEquals(2, s.launchedDuringBackward(), "the linear layer's buckets start before the conv layer's backward");
                assertEquals((3 + 432 + 4 + 36 + 1) * 4, s.bytes());
            }
        }
    }

    @Test
    void noSyncAccumulationEqualsOneLargerBatch() {
        Dataset data = new Bands(SIZE);
        int[][][] micro = {{{0, 1, 2}, {3, 4}}, {{5, 6, 7, 8}, {9}}}; // [rank][micro-batch][samples], unequal sizes
        List<float[]> expected;
        try (Sequential model = smallModel(SEED); SGD opt = sgd(model); CrossEntropyLoss loss = new CrossEntropyLoss()) {
            referenceStep(model, opt, loss, data, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
            expected = values(model);
        }
        try (LocalWorld w = LocalProcessGroup.create(2, Duration.ofSeconds(60))) {
            List<List<float[]>> ranks = w.run(g -> {
                try (Sequential model = smallModel(SEED); DistributedDataParallel ddp = DistributedDataParallel.builder(model, g).build();
                        SGD opt = sgd(model); DdpTrainer trainer = new DdpTrainer(ddp, opt)) {
                    int[][] mine = micro[g.rank()];
                    opt.zeroGrad();
                    try (DistributedDataParallel.NoSync local = ddp.noSync(); Scope scope = Scope.open()) {
                        trainer.computeGradients(images(data, mine[0]), labels(data, mine[0]));
                    }
                    assertNull(ddp.lastSync(), "no communication inside noSync");
                    try (Scope scope = Scope.open()) {
                        trainer.computeGradients(images(data, mine[1]), labels(data, mine[1]));
                    }
                    assertNotNull(ddp.lastSync());
                    opt.step();
                    return values(model);
                }
            });
            assertReplicasIdentical(ranks);
            assertClose(expected, ranks.get(0));
        }
    }

    @Test
    void aMissingRankFailsTheBackwardPassWithinTheTimeout() {
        try (LocalWorld w = LocalProcessGroup.create(2, Duration.ofMillis(300))) {
            CollectiveException e = assertThrows(CollectiveException.class, () -> w.run(g -> {
                try (Sequential model = smallModel(SEED); DistributedDataParallel ddp = DistributedDataParallel.builder(model, g).build();
                        CrossEntropyLoss loss = new CrossEntropyLoss(); Scope scope = Scope.open()) {
                    if (g.rank() == 1) {
                        Thread.sleep(1000); // never joins the backward pass in time
                        return null;
                    }
                    loss.forward(ddp.forward(Tensor.zeros(1, 1, 8, 8)), Tensor.ofInts(new int[] {0}, 1));
                    ddp.backward(loss.backward());
                    return null;
                }
            }));
            // four parameters broadcast first (#0-#3), then the single bucket: 475 floats + the weight
            assertTrue(e.getMessage().startsWith("rank 0: allReduce(SUM) #4 of 1904 bytes timed out after 300 ms: ranks [1] did not arrive"),
                    e.getMessage());
        }
    }

    private static Tensor images(Dataset data, int[] samples) {
        Tensor t = Tensor.empty(samples.length, 1, 8, 8);
        FloatBuffer x = t.floatBuffer();
        for (int i : samples) data.read(i, x);
        return t;
    }

    private static Tensor labels(Dataset data, int[] samples) {
        int[] y = new int[samples.length];
        for (int i = 0; i < samples.length; i++) y[i] = data.label(samples[i]);
        return Tensor.ofInts(y, samples.length);
    }

    static void assertReplicasIdentical(List<List<float[]>> ranks) {
        for (int r = 1; r < ranks.size(); r++) {
            for (int i = 0; i < ranks.get(0).size(); i++) {
                assertArrayEquals(ranks.get(0).get(i), ranks.get(r).get(i), 0f, "rank " + r + " parameter " + i + " differs from rank 0");
            }
        }
    }

    /** Each parameter tensor within 1e-5 relative (in the L2 norm) of the reference. */
    static void assertClose(List<float[]> expected, List<float[]> actual) {
        assertClose(expected, actual, 1e-5);
    }

    /** Every parameter within {@code tolerance} of the expected one, relative to its norm. */
    static void assertClose(List<float[]> expected, List<float[]> actual, double tolerance) {
        for (int i = 0; i < expected.size(); i++) {
            double diff = 0, norm = 0;
            for (int j = 0; j < expected.get(i).length; j++) {
                double d = expected.get(i)[j] - actual.get(i)[j];
                diff += d * d;
                norm += (double) expected.get(i)[j] * expected.get(i)[j];
            }
            double relative = Math.sqrt(diff / norm);
            assertTrue(relative < tolerance, "parameter " + i + " differs from single-process training by " + relative + " (relative)");
        }
    }
}
