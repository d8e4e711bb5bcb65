package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of every sharding strategy: disjoint, complete, equal steps, per-epoch order. */
class DistributedSamplerTest {
    private static final List<DataShard> SHARDS = List.of(new DataShard("a", 40), new DataShard("b", 9), new DataShard("a", 21),
            new DataShard("c", 13), new DataShard("b", 20));
    private static final int SIZE = 103; // the shards' total; not a multiple of any world size used

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    static List<ShardingStrategy> strategies(int world) {
        int[] sizes = new int[world];
        for (int r = 0; r < world; r++) sizes[r] = 3 + 2 * r;
        List<String> hosts = world == 2 ? List.of("a", "b") : List.of("a", "a", "b");
        return List.of(ShardingStrategy.contiguous(), ShardingStrategy.strided(), ShardingStrategy.proportional(sizes),
                ShardingStrategy.locality(SHARDS, hosts));
    }

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (int world : new int[] {2, 3}) {
            for (ShardingStrategy s : strategies(world)) {
                for (boolean dropLast : new boolean[] {false, true}) out.add(new Object[] {world, s, dropLast});
            }
        }
        return out;
    }

    private static DistributedSampler sampler(int rank, int world, ShardingStrategy s, boolean dropLast, long seed) {
        return DistributedSampler.builder(SIZE, rank, world).strategy(s).batchSize(8).seed(seed).dropLast(dropLast).build();
    }

    @ParameterizedTest(name = "{0} ranks, {1}, dropLast {2}")
    @MethodSource("cases")
    void ranksAreDisjointCompleteAndTakeEqualSteps(int world, ShardingStrategy strategy, boolean dropLast) {
        for (int epoch = 0; epoch < 3; epoch++) {
            Map<Integer, Integer> seen = new TreeMap<>();
            int steps = -1;
            int total = 0;
            for (int r = 0; r < world; r++) {
                DistributedSampler s = sampler(r, world, strategy, dropLast, 5);
                s.setEpoch(epoch);
                if (steps < 0) steps = s.stepsPerEpoch();
                assertEquals(steps, s.stepsPerEpoch(), "rank " + r + " steps");
                assertEquals(steps, (s.samplesPerEpoch() + s.batchSize() - 1) / s.batchSize());
                for (int i : s.indices()) seen.merge(i, 1, Integer::sum);
                total += s.samplesPerEpoch();
            }
            if (dropLast) {
                assertTrue(seen.values().stream().allMatch(c -> c == 1), "no sample twice without padding: " + seen);
                assertTrue(SIZE - total < world * 8 + 3 * world * world, "dropped only a last step's worth: " + (SIZE - total));
            } else {
                assertEquals(SIZE, seen.size(), "every sample is served");
                assertTrue(total - SIZE < world * 8 + 3 * world * world, "padded only a last step's worth: " + (total - SIZE));
                assertTrue(seen.values().stream().allMatch(c -> c <= 2), "padding only repeats samples: " + seen);
            }
            assertTrue(seen.keySet().stream().allMatch(i -> i >= 0 && i < SIZE));
        }
    }

    @ParameterizedTest(name = "{0} ranks, {1}, dropLast {2}")
    @MethodSource("cases")
    void orderDependsOnSeedAndEpochOnly(int world, ShardingStrategy strategy, boolean dropLast) {
        DistributedSampler a = sampler(world - 1, world, strategy, dropLast, 11);
        DistributedSampler b = sampler(world - 1, world, strategy, dropLast, 11);
        a.setEpoch(2);
        b.setEpoch(2);
        assertArrayEquals(a.indices(), b.indices(), "same seed and epoch, same order");
        b.setEpoch(3);
        assertFalse(Arrays.equals(a.indices(), b.indices()), "another epoch, another order");
        DistributedSampler unshuffled = DistributedSampler.builder(SIZE, 0, world).strategy(strategy).shuffle(false).build();
        int[] first = unshuffled.indices();
        unshuffled.setEpoch(1);
        assertArrayEquals(first, unshuffled.indices(), "without shuffle every epoch is the same");
    }

    @Test
    void contiguousAndStridedSplitTheOrderAsDocumented() {
        DistributedSampler c = DistributedSampler.builder(10, 1, 2).strategy(ShardingStrategy.contiguous()).shuffle(false).build();
        assertArrayEquals(new int[] {5, 6, 7, 8, 9}, c.indices());
        DistributedSampler s = DistributedSampler.builder(10, 1, 2).strategy(ShardingStrategy.strided()).shuffle(false).build();
        assertArrayEquals(new int[] {1, 3, 5, 7, 9}, s.indices());
        DistributedSampler padded = DistributedSampler.builder(5, 1, 2).shuffle(false).build();
        assertArrayEquals(new int[] {1, 3, 0}, padded.indices(), "padding repeats from the start of the order");
    }

    @Test
    void proportionalGivesEachRankItsShareOfEveryStep() {
        DistributedSampler s = DistributedSampler.builder(20, 1, 2).strategy(ShardingStrategy.proportional(1, 3)).shuffle(false).build();
        assertEquals(3, s.batchSize());
        assertEquals(5, s.stepsPerEpoch());
        assertArrayEquals(new int[] {5, 6, 7}, s.partition().batch(1, 1));
        assertArrayEquals(new int[] {4}, s.partition().batch(0, 1));
        assertArrayEquals(new int[] {3, 5, 2}, ProportionalSharding.split(10, new double[] {300, 500, 200}));
        assertArrayEquals(new int[] {1, 9}, ProportionalSharding.split(10, new double[] {1, 1000}), "at least one sample each");
        assertThrows(IllegalArgumentException.class, () -> DistributedSampler.builder(20, 0, 3).strategy(ShardingStrategy.proportional(1, 3)).build());
    }

    @Test
    void measuredThroughputsGiveTheSameBatchSizesOnEveryRank() {
        try (LocalWorld world = LocalProcessGroup.create(2)) {
            List<Integer> sizes = world.run(g -> DistributedSampler.builder(100, g)
                    .strategy(ShardingStrategy.proportionalToThroughput(g, 16, g.rank() == 0 ? 100.0 : 300.0)).build().batchSize());
            assertEquals(List.of(4, 12), sizes);
        }
    }

    @Test
    void localityKeepsRanksOnTheirHostsData() {
        // hosts a, a, b: rank 0 and 1 share host a's 61 samples, rank 2 has b's 29; c's 13 go to the least loaded
        int[] starts = {0, 40, 49, 70, 83};
        String[] host = new String[SIZE];
        for (int i = 0; i < SHARDS.size(); i++) Arrays.fill(host, starts[i], starts[i] + SHARDS.get(i).size(), SHARDS.get(i).host());
        List<String> rankHosts = List.of("a", "a", "b");
        int remote = 0;
        for (int r = 0; r < 3; r++) {
            DistributedSampler s = DistributedSampler.builder(SIZE, r, 3).strategy(ShardingStrategy.locality(SHARDS, rankHosts)).build();
            assertEquals(35, s.samplesPerEpoch());
            for (int i : s.indices()) {
                if (!host[i].equals(rankHosts.get(r))) remote++;
            }
        }
        // a holds 61 samples for its ranks' 70 places, b 29 for 35: the remote reads are c's 13 samples
        // and the padding of the 105 places (2 repeats), nothing of a or b that a local rank could take
        assertTrue(remote <= 13 + 2, "remote reads " + remote);
        assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder(SIZE + 1, 0, 3).strategy(ShardingStrategy.locality(SHARDS, rankHosts)).build());
    }

    @Test
    void tooLittleDataIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder(3, 0, 4).dropLast(true).build());
        assertTrue(e.getMessage().contains("same, positive number of steps"), e.getMessage());
    }

    /** sample i is a 2-float image [i, -i] with label i % 3. */
    record Numbered(int size) implements Dataset {
        @Override
        public long[] sampleShape() {
            return new long[] {2};
        }

        @Override
        public int numClasses() {
            return 3;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            dst.put(index).put(-index);
        }

        @Override
        public int label(int index) {
            return index % 3;
        }
    }

    @Test
    void shardViewServesThisRanksSamplesOfTheCurrentEpoch() {
        DistributedSampler s = DistributedSampler.builder(23, 1, 2).batchSize(4).seed(3).build();
        try (DataLoader loader = DataLoader.builder(s.shard(new Numbered(23))).batchSize(s.batchSize()).build()) {
            assertEquals(s.stepsPerEpoch(), loader.numBatches());
            for (int epoch = 0; epoch < 2; epoch++) {
                s.setEpoch(epoch);
                List<Integer> served = new ArrayList<>();
                for (Batch b : loader) {
                    float[] x = b.images().toFloatArray();
                    int[] y = b.labels().toIntArray();
                    for (int i = 0; i < b.size(); i++) {
                        served.add((int) x[2 * i]);
                        assertEquals((int) x[2 * i] % 3, y[i]);
                    }
                }
                assertEquals(Arrays.stream(s.indices()).boxed().toList(), served, "epoch " + epoch);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> s.shard(new Numbered(24)), "the data set must match the sampler");
    }
}
