package dev.anvil.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.federated.strategy.Median;
import dev.anvil.optim.LrSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The coordinator's round logic with scripted clients (no training). */
class CoordinatorTest {
    static final WeightLayout LAYOUT = new WeightLayout(List.of("w"), List.of(new long[] {3}));

    /** A client that answers each round with what {@code answer} makes of the round number. */
    static final class Scripted implements ClientProxy {
        final String id;
        final long samples;
        final IntFunction<CompletableFuture<ClientUpdate>> answer;
        final List<Integer> rounds = new ArrayList<>();

        Scripted(String id, long samples, IntFunction<CompletableFuture<ClientUpdate>> answer) {
            this.id = id;
            this.samples = samples;
            this.answer = answer;
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
            rounds.add(round);
            return answer.apply(round);
        }
    }

    static Scripted constant(String id, long samples, float... w) {
        return new Scripted(id, samples, r -> CompletableFuture.completedFuture(new ClientUpdate(id, r, w, samples, 0.5)));
    }

    private static Coordinator coordinator(int minClients) {
        return Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).minClients(minClients).roundTimeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void anLrScheduleSetsEachRoundsLearningRate() {
        List<Double> lrs = new ArrayList<>();
        ClientProxy recorder = new ClientProxy() {
            @Override
            public String id() {
                return "c";
            }

            @Override
            public long numSamples() {
                return 10;
            }

            @Override
            public CompletableFuture<ClientUpdate> fit(int round, float[] global, FitConfig config) {
                lrs.add(config.lr());
                return CompletableFuture.completedFuture(new ClientUpdate("c", round, new float[3], 10, 0));
            }
        };
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).fitConfig(new FitConfig(1, 32, 0.1, 0, 0, 0))
                .lrSchedule(LrSchedule.cosine(4)).build()) {
            co.register(recorder);
            for (int i = 0; i < 4; i++) co.runRound();
        }
        // CosineAnnealingLR(T_max = 4) stepped once per round: 0.1 (1 + cos(pi t / 4)) / 2 for t = 0..3
        assertEquals(0.1, lrs.get(0), 1e-12);
        assertEquals(0.1 * (1 + Math.cos(Math.PI / 4)) / 2, lrs.get(1), 1e-12);
        assertEquals(0.05, lrs.get(2), 1e-12);
        assertEquals(0.1 * (1 + Math.cos(3 * Math.PI / 4)) / 2, lrs.get(3), 1e-12);
    }

    @Test
    void badUpdatesAreRejectedNamingTheClientAndTheRoundGoesOn() {
        try (Coordinator co = coordinator(2)) {
            co.register(constant("good-1", 10, 1, 1, 1));
            co.register(constant("good-2", 30, 3, 3, 3));
            co.register(constant("nan", 10, 1, Float.NaN, 1));
            co.register(constant("inf", 10, Float.POSITIVE_INFINITY, 1, 1));
            co.register(constant("short", 10, 1, 1));
            co.register(new Scripted("replay", 10, r -> CompletableFuture.completedFuture(new ClientUpdate("replay", r - 1, new float[3], 10, 0))));
            co.register(new Scripted("liar", 10, r -> CompletableFuture.completedFuture(new ClientUpdate("liar", r, new float[3], 5000, 0))));
            co.register(new Scripted("crash", 10, r -> CompletableFuture.failedFuture(new IllegalStateException("out of memory"))));
            RoundResult r = co.runRound();
            assertEquals(List.of("good-1", "good-2"), r.accepted());
            assertTrue(r.aggregated());
            assertEquals(5, r.rejected().size(), r.rejected().toString());
            assertTrue(r.rejected().get("nan").contains("value 1 is NaN"), r.rejected().get("nan"));
            assertTrue(r.rejected().get("inf").contains("Infinity"), r.rejected().get("inf"));
            assertTrue(r.rejected().get("short").contains("2 values, the model has 3"), r.rejected().get("short"));
            assertTrue(r.rejected().get("replay").contains("round 0 (replayed or stale)"), r.rejected().get("replay"));
            assertTrue(r.rejected().get("liar").contains("claims 5000 samples but announced 10"), r.rejected().get("liar"));
            assertEquals("out of memory", r.failed().get("crash"));
            // FedAvg of the good ones: (10 * 1 + 30 * 3) / 40 = 2.5
            assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, co.globalWeights().values(), 1e-6f);
        }
    }

    @Test
    void roundClosesAtTheDeadlineWithTheQuorumAndCountsLateUpdates() {
        CompletableFuture<ClientUpdate> slow = new CompletableFuture<>();
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).minClients(2).roundTimeout(Duration.ofMillis(300)).build()) {
            co.register(constant("a", 1, 2, 2, 2));
            co.register(constant("b", 1, 4, 4, 4));
            co.register(new Scripted("slow", 1, r -> slow));
            RoundResult r = co.runRound();
            assertTrue(r.aggregated());
            assertEquals(1, r.late());
            assertEquals(List.of("a", "b"), r.accepted());
            assertArrayEquals(new float[] {3, 3, 3}, co.globalWeights().values(), 1e-6f);
            assertEquals(0, co.lateUpdates());
            slow.complete(new ClientUpdate("slow", 1, new float[] {100, 100, 100}, 1, 0));
            assertEquals(1, co.lateUpdates());
            assertArrayEquals(new float[] {3, 3, 3}, co.globalWeights().values(), 1e-6f, "a late update changes nothing");
        }
    }

    @Test
    void belowQuorumTheGlobalModelStays() {
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[] {7, 7, 7})).minClients(2).roundTimeout(Duration.ofMillis(200)).build()) {
            co.register(constant("a", 1, 1, 1, 1));
            co.register(new Scripted("hang", 1, r -> new CompletableFuture<>()));
            RoundResult r = co.runRound();
            assertFalse(r.aggregated());
            assertTrue(r.summary().contains("below quorum"), r.summary());
            assertArrayEquals(new float[] {7, 7, 7}, co.globalWeights().values());
            // a client that joins late makes the next round
            co.register(constant("late-joiner", 1, 3, 3, 3));
            co.unregister(new Scripted("hang", 1, x -> null)); // not the registered object: a no-op
            assertEquals(List.of("a", "hang", "late-joiner"), co.clientIds());
            assertEquals(List.of("a", "late-joiner"), co.runRound().accepted().stream().sorted().toList());
        }
    }

    @Test
    void samplingIsSeededAndVariesByRound() {
        List<Scripted> cs = new ArrayList<>();
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).clientsPerRound(3).seed(11).build()) {
            for (int i = 0; i < 10; i++) {
                Scripted s = constant("c" + i, 1, i, i, i);
                cs.add(s);
                co.register(s);
            }
            List<List<String>> picks = new ArrayList<>();
            for (RoundResult r : co.run(4)) {
                assertEquals(3, r.sampled().size());
                picks.add(r.sampled());
            }
            assertNotEquals(picks.get(0), picks.get(1));
            try (Coordinator again = Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).clientsPerRound(3).seed(11).build()) {
                for (Scripted s : cs) again.register(s);
                assertEquals(picks.get(0), again.runRound().sampled());
            }
        }
    }

    @Test
    void robustStrategyShrugsOffAPoisonedClient() {
        try (Coordinator co = Coordinator.builder(new ModelWeights(LAYOUT, new float[3])).strategy(new Median()).build()) {
            co.register(constant("a", 1, 1, 1, 1));
            co.register(constant("b", 1, 2, 2, 2));
            co.register(constant("evil", 1, 1e6f, -1e6f, 1e6f));
            co.runRound();
            assertArrayEquals(new float[] {2, 1, 2}, co.globalWeights().values());
        }
    }

    @Test
    void badOptionsAreRejected() {
        ModelWeights w = new ModelWeights(LAYOUT, new float[3]);
        assertThrows(IllegalArgumentException.class, () -> Coordinator.builder(w).minClients(0));
        assertThrows(IllegalArgumentException.class, () -> Coordinator.builder(w).roundTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Coordinator.builder(w).clientsPerRound(2).minClients(3).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Coordinator.builder(w).strategy(new Median()).secureAggregation(true).build());
        assertTrue(e.getMessage().contains("weighted mean"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelWeights(LAYOUT, new float[2]));
        try (Coordinator co = Coordinator.builder(w).build()) {
            assertThrows(IllegalArgumentException.class, () -> co.register(constant("empty", 0, 1, 1, 1)));
            assertThrows(IllegalArgumentException.class, () -> co.run(0));
        }
    }
}
