package dev.anvil.federated.secure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.Dataset;
import dev.anvil.federated.Blobs;
import dev.anvil.federated.ClientDataset;
import dev.anvil.federated.ClientProxy;
import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.Coordinator;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.MaskedUpdate;
import dev.anvil.federated.ModelWeights;
import dev.anvil.federated.RoundResult;
import dev.anvil.federated.Simulation;
import dev.anvil.federated.WeightLayout;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.federated.strategy.WeightedMeanStrategy;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Pairwise-masked secure aggregation: what the coordinator sees, exactness, and clients dropping. */
class SecureAggregationTest {
    static final int N = 20000;
    static final WeightLayout LAYOUT = new WeightLayout(List.of("w"), List.of(new long[] {N}));

    /** A client whose "trained" weights are fixed; it masks them as a real client does. */
    static class FixedClient implements ClientProxy {
        final String id;
        final float[] weights;
        final long samples;
        final SecureAggregationClient secure;
        boolean dropAfterKeys, refuseReveal;

        FixedClient(String id, long samples, long seed) {
            this.id = id;
            this.samples = samples;
            this.secure = new SecureAggregationClient(id);
            SplittableRandom r = new SplittableRandom(seed);
            weights = new float[N];
            for (int i = 0; i < N; i++) weights[i] = (float) r.nextGaussian();
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public long numSamples() {
            return samples;
        }

        @Override
        public CompletableFuture<ClientUpdate> fit(int round, float[] global, FitConfig config) {
            return CompletableFuture.completedFuture(new ClientUpdate(id, round, weights, samples, 0));
        }

        @Override
        public CompletableFuture<byte[]> publicKey(int round) {
            return CompletableFuture.completedFuture(secure.publicKey(round));
        }

        @Override
        public CompletableFuture<MaskedUpdate> fitMasked(int round, float[] global, FitConfig config, Map<String, byte[]> peers) {
            long[] masked = secure.mask(round, weights, samples, peers); // masks are made even by a client that then drops
            if (dropAfterKeys) return CompletableFuture.failedFuture(new IllegalStateException("connection lost"));
            return CompletableFuture.completedFuture(new MaskedUpdate(id, round, masked, samples, 0));
        }

        @Override
        public CompletableFuture<Map<String, byte[]>> revealSeeds(int round, Set<String> dropped) {
            if (refuseReveal) return new CompletableFuture<>();
            return CompletableFuture.completedFuture(secure.reveal(round, dropped));
        }
    }

    /** Records what the coordinator receives. */
    static final class Spy extends FixedClient {
        final List<long[]> seen;

        Spy(String id, long samples, long seed, List<long[]> seen) {
            super(id, samples, seed);
            this.seen = seen;
        }

        @Override
        public CompletableFuture<MaskedUpdate> fitMasked(int round, float[] global, FitConfig config, Map<String, byte[]> peers) {
            return super.fitMasked(round, global, config, peers).thenApply(u -> {
                seen.add(u.masked());
                return u;
            });
        }
    }

    private static Coordinator secureCoordinator(int quorum) {
        return Coordinator.builder(new ModelWeights(LAYOUT, new float[N])).secureAggregation(true).minClients(quorum)
                .roundTimeout(Duration.ofSeconds(2)).build();
    }

    private static float[] plainMean(List<? extends FixedClient> cs) {
        List<ClientUpdate> ups = new ArrayList<>();
        for (FixedClient c : cs) ups.add(new ClientUpdate(c.id, 1, c.weights, c.samples, 0));
        return WeightedMeanStrategy.weightedMean(ups);
    }

    @Test
    void coordinatorSeesOnlyMaskedVectorsAndTheSumIsExact() {
        List<long[]> seen = new CopyOnWriteArrayList<>();
        List<FixedClient> cs = new ArrayList<>();
        for (int i = 0; i < 5; i++) cs.add(new Spy("c" + i, 100 + 37 * i, i, seen));
        try (Coordinator co = secureCoordinator(3)) {
            cs.forEach(co::register);
            RoundResult r = co.runRound();
            assertTrue(r.aggregated(), r.summary());
            // exact within the fixed-point rounding (2^-25 per client, relative to the weights)
            assertArrayEquals(plainMean(cs), co.globalWeights().values(), 1e-6f);
        }
        assertEquals(5, seen.size());
        for (int c = 0; c < 5; c++) {
            long[] plain = Masking.encode(cs.get(c).weights, cs.get(c).samples); // |values| < 2^33
            long[] masked = seen.get(c);
            int huge = 0, equal = 0;
            for (int i = 0; i < N; i++) {
                if (Math.abs(masked[i]) > (1L << 60)) huge++;
                if (masked[i] == plain[i]) equal++;
            }
            // a uniform 64-bit value exceeds 2^60 in magnitude with probability 7/8 (sd of the fraction 0.0023)
            assertEquals(0.875, huge / (double) N, 0.02, "client " + c + "'s masked vector looks uniform");
            assertEquals(0, equal, "no value travels in clear");
        }
    }

    @Test
    void clientDroppingAfterMaskingIsRemovedWithTheSurvivorsSeeds() {
        List<FixedClient> cs = new ArrayList<>();
        for (int i = 0; i < 4; i++) cs.add(new FixedClient("c" + i, 50 + i, 10 + i));
        cs.get(2).dropAfterKeys = true;
        try (Coordinator co = secureCoordinator(3)) {
            cs.forEach(co::register);
            RoundResult r = co.runRound();
            assertTrue(r.aggregated(), r.summary());
            assertEquals(List.of("c0", "c1", "c3"), r.accepted());
            assertEquals("connection lost", r.failed().get("c2"));
            assertArrayEquals(plainMean(List.of(cs.get(0), cs.get(1), cs.get(3))), co.globalWeights().values(), 1e-6f);
        }
    }

    @Test
    void roundIsDiscardedWhenASurvivorWillNotReveal() {
        List<FixedClient> cs = new ArrayList<>();
        for (int i = 0; i < 4; i++) cs.add(new FixedClient("c" + i, 50, 20 + i));
        cs.get(1).dropAfterKeys = true;
        cs.get(3).refuseReveal = true;
        try (Coordinator co = secureCoordinator(2)) {
            cs.forEach(co::register);
            RoundResult r = co.runRound();
            assertFalse(r.aggregated());
            assertTrue(r.failed().get("c3").contains("did not reveal"), r.failed().toString());
            assertArrayEquals(new float[N], co.globalWeights().values(), "global model unchanged");
        }
    }

    @Test
    void secureSimulationMatchesThePlainOne() {
        Dataset train = new Blobs(300, 4, 3, 6);
        Partition p = Partitioner.iid().split(ClientDataset.labels(train), 3, 4, 0);
        float[][] results = new float[2][];
        for (int k = 0; k < 2; k++) {
            Init.manualSeed(1);
            try (Sequential m = new Sequential().add("fc", new Linear(4, 3));
                 Simulation sim = Simulation.builder(m, train, p).secureAggregation(k == 1).fitConfig(new FitConfig(1, 10, 0.1, 0, 0, 3)).build()) {
                sim.run(3);
                results[k] = sim.coordinator().globalWeights().values();
            }
        }
        assertArrayEquals(results[0], results[1], 1e-5f);
    }

    /** SecAgg+-style sparse masking: 8 clients, 2 neighbours each, one dropping after the keys; still exact. */
    @Test
    void sparseNeighbourMasksCancelAndSurviveADropout() {
        List<long[]> seen = new CopyOnWriteArrayList<>();
        List<FixedClient> cs = new ArrayList<>();
        for (int i = 0; i < 8; i++) cs.add(new Spy("c" + i, 30 + i, 40 + i, seen));
        cs.get(5).dropAfterKeys = true;
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[N])).secureAggregation(true).secureNeighbours(2).minClients(5)
                .roundTimeout(Duration.ofSeconds(2)).build()) {
            cs.forEach(co::register);
            RoundResult r = co.runRound();
            assertTrue(r.aggregated(), r.summary());
            assertEquals(7, r.accepted().size());
            List<FixedClient> alive = new ArrayList<>(cs);
            alive.remove(5);
            assertArrayEquals(plainMean(alive), co.globalWeights().values(), 1e-6f);
        }
        for (long[] masked : seen) {
            int huge = 0;
            for (long v : masked) if (Math.abs(v) > (1L << 60)) huge++;
            assertEquals(0.875, huge / (double) N, 0.02, "masked with two neighbours, still uniform");
        }
    }

    @Test
    void neighbourGraphIsSymmetricWithTheAskedDegree() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) ids.add(String.format("c%03d", i));
        for (int k : new int[] {2, 4, 5, 10}) {
            Map<String, Set<String>> g = Masking.neighbours(ids, k, new SplittableRandom(k));
            for (String a : ids) {
                assertEquals(2 * ((k + 1) / 2), g.get(a).size(), "degree of " + a + " for k = " + k);
                assertFalse(g.get(a).contains(a));
                for (String b : g.get(a)) assertTrue(g.get(b).contains(a), a + " -> " + b + " has no way back");
            }
        }
        Map<String, Set<String>> all = Masking.neighbours(ids.subList(0, 5), 0, new SplittableRandom(1));
        assertEquals(4, all.get("c000").size());
        assertThrows(IllegalArgumentException.class, () -> Coordinator.builder(new ModelWeights(LAYOUT, new float[N])).secureNeighbours(1));
    }

    @Test
    void clientChecksItsOwnKeyAndRefusesToRevealItself() {
        SecureAggregationClient a = new SecureAggregationClient("a"), b = new SecureAggregationClient("b");
        byte[] ka = a.publicKey(1), kb = b.publicKey(1);
        assertThrows(IllegalArgumentException.class, () -> a.mask(1, new float[] {1}, 1, Map.of("a", kb, "b", kb)));
        assertThrows(IllegalStateException.class, () -> a.mask(2, new float[] {1}, 1, Map.of("a", ka, "b", kb)));
        assertThrows(IllegalArgumentException.class, () -> a.mask(1, new float[] {1}, 1, Map.of("a", ka, "b", new byte[] {1, 2})));
        long[] ma = a.mask(1, new float[] {0.5f}, 2, Map.of("a", ka, "b", kb));
        long[] mb = b.mask(1, new float[] {0.25f}, 4, Map.of("a", ka, "b", kb));
        // X25519 gives both the same secret, so the pair's masks cancel: 0.5 * 2 + 0.25 * 4 = 2
        assertEquals(2L << Masking.SCALE_BITS, ma[0] + mb[0]);
        assertThrows(IllegalArgumentException.class, () -> a.reveal(1, Set.of("a")));
        assertThrows(IllegalArgumentException.class, () -> a.reveal(1, Set.of("z")));
        assertThrows(IllegalArgumentException.class, () -> Masking.encode(new float[] {Float.NaN}, 1));
        assertThrows(IllegalArgumentException.class, () -> Masking.encode(new float[] {1e30f}, 1));
    }
}
