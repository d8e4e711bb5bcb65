package dev.anvil.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.federated.CoordinatorTest.Scripted;
import dev.anvil.federated.strategy.FedAvg;
import dev.anvil.federated.strategy.Median;
import dev.anvil.privacy.RdpAccountant;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** DP-FedAvg at the coordinator: clipping, the fixed denominator, the noise's scale, Poisson sampling and epsilon. */
class ClientLevelDpTest {
    private static ClientUpdate u(String id, long n, float... w) {
        return new ClientUpdate(id, 1, w, n, 0);
    }

    /**
     * An update of norm 5 (3-4-0 from the global) clipped to 1 becomes (0.6, 0.8, 0), one of norm 0.5
     * stays; the sum is divided by the expected number of clients (4), not by the 2 that answered, and
     * sample counts do not weight it (McMahan et al. 2018 with uniform weights).
     */
    @Test
    void clipsEachUpdateAndDividesByTheExpectedNumberOfClients() {
        ClientLevelDp dp = new ClientLevelDp(1.0, 0, 1e-5, 1);
        float[] global = {1, 1, 1};
        float[] mean = dp.noisyMean(global, List.of(u("a", 100, 4, 5, 1), u("b", 1, 1.5f, 1, 1)), 4, 0.4);
        assertArrayEquals(new float[] {1 + 1.1f / 4, 1 + 0.8f / 4, 1}, mean, 1e-6f);
        assertArrayEquals(new float[] {1, 1, 1}, global, 0f);
    }

    /** Noise sd z * clip / expected clients = 2 * 0.5 / 4 = 0.25 on each value, mean 0. */
    @Test
    void addsNoiseOfTheStatedScale() {
        int n = 40000;
        ClientLevelDp dp = new ClientLevelDp(0.5, 2, 1e-5, 7);
        float[] noisy = dp.noisyMean(new float[n], List.of(u("a", 1, new float[n]), u("b", 1, new float[n])), 4, 0.5);
        double s = 0, s2 = 0;
        for (float v : noisy) {
            s += v;
            s2 += v * v;
        }
        assertEquals(0, s / n, 0.01);
        assertEquals(0.25, Math.sqrt(s2 / n - (s / n) * (s / n)), 0.005);
    }

    /**
     * With every client in every round (q = 1) a round is the plain Gaussian mechanism, whose RDP at
     * order alpha is alpha / (2 z^2) (Mironov 2017, Proposition 7): R rounds give R alpha / (2 z^2),
     * converted as Balle et al. 2020, Proposition 12 (Opacus's conversion).
     */
    @Test
    void epsilonOfRoundsWithEveryClientIsTheGaussianMechanisms() {
        double z = 1.3, delta = 1e-5;
        int rounds = 7;
        ClientLevelDp dp = new ClientLevelDp(1, z, delta, 3);
        assertEquals(0, dp.epsilon());
        for (int r = 0; r < rounds; r++) dp.noisyMean(new float[2], List.of(u("a", 1, 0, 0)), 1, 1);
        double best = Double.POSITIVE_INFINITY;
        double[] rdp = dp.accountant().rdp();
        for (int i = 0; i < RdpAccountant.DEFAULT_ORDERS.length; i++) {
            double a = RdpAccountant.DEFAULT_ORDERS[i];
            double expected = rounds * a / (2 * z * z);
            assertEquals(expected, rdp[i], 1e-9 * expected, "order " + a);
            best = Math.min(best, expected + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1));
        }
        assertEquals(best, dp.epsilon(), 1e-9);
        assertTrue(dp.epsilon() > 5 && dp.epsilon() < 20, "epsilon " + dp.epsilon());
    }

    @Test
    void withoutNoiseEpsilonIsInfinite() {
        ClientLevelDp dp = new ClientLevelDp(1, 0, 1e-5, 3);
        dp.noisyMean(new float[2], List.of(u("a", 1, 0, 0)), 1, 0.5);
        assertEquals(Double.POSITIVE_INFINITY, dp.epsilon());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp(0, 1, 1e-5, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp(1, -1, 1e-5, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp(1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp(1, 1, 1, 0));
        WeightLayout layout = new WeightLayout(List.of("w"), List.of(new long[] {2}));
        ModelWeights w = new ModelWeights(layout, new float[2]);
        ClientLevelDp dp = new ClientLevelDp(1, 1, 1e-5, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Coordinator.builder(w).clientLevelDp(dp).secureAggregation(true).build());
        assertTrue(e.getMessage().contains("secure aggregation hides"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Coordinator.builder(w).clientLevelDp(dp).strategy(new Median()).build());
        assertTrue(e.getMessage().contains("client-level DP needs a strategy that uses only the mean"), e.getMessage());
    }

    /**
     * Under DP each of 10 clients is sampled independently with q = 3/10 (the number per round varies,
     * each client's frequency is q), a failing client's part is simply missing (the denominator stays
     * 3), and each aggregated round is one accountant step at rate 0.3.
     */
    @Test
    void coordinatorSamplesByPoissonAndAccountsEachAggregatedRound() {
        WeightLayout layout = new WeightLayout(List.of("w"), List.of(new long[] {1}));
        ClientLevelDp dp = new ClientLevelDp(10, 0.8, 1e-5, 5);
        int[] picked = new int[10];
        try (Coordinator co = Coordinator.builder(new ModelWeights(layout, new float[1])).strategy(new FedAvg()).clientsPerRound(3)
                .roundTimeout(Duration.ofSeconds(20)).seed(11).clientLevelDp(dp).build()) {
            for (int i = 0; i < 10; i++) {
                int id = i;
                co.register(new Scripted("c" + i, 5, r -> {
                    picked[id]++;
                    return id == 0 ? CompletableFuture.failedFuture(new IllegalStateException("crashed"))
                            : CompletableFuture.completedFuture(new ClientUpdate("c" + id, r, new float[] {1}, 5, 0));
                }));
            }
            int rounds = 600, sizes = 0, distinctSizes = 0, aggregated = 0;
            boolean[] seen = new boolean[11];
            for (int r = 0; r < rounds; r++) {
                RoundResult res = co.runRound();
                sizes += res.sampled().size();
                if (!seen[res.sampled().size()]) distinctSizes++;
                seen[res.sampled().size()] = true;
                if (res.aggregated()) aggregated++;
                assertEquals(dp.epsilon(), res.epsilon()); // what was spent after the round
            }
            assertEquals(3.0, (double) sizes / rounds, 0.15);
            assertTrue(distinctSizes >= 4, "the number sampled varies: " + distinctSizes + " sizes");
            for (int c : picked) assertEquals(0.3, (double) c / rounds, 0.06);
            assertEquals(aggregated, dp.accountant().history().get(0).steps());
            assertEquals(0.3, dp.accountant().history().get(0).sampleRate(), 0);
            assertEquals(dp.epsilon(), co.epsilon());
        }
    }

    /** One round with every client, no noise and updates within the clip: the unweighted mean of the clients' weights. */
    @Test
    void withoutNoiseOrClippingARoundIsTheUnweightedMean() {
        WeightLayout layout = new WeightLayout(List.of("w"), List.of(new long[] {2}));
        try (Coordinator co = Coordinator.builder(new ModelWeights(layout, new float[2])).roundTimeout(Duration.ofSeconds(20))
                .clientLevelDp(new ClientLevelDp(100, 0, 1e-5, 0)).build()) {
            co.register(CoordinatorTest.constant("a", 1, 1, 2));
            co.register(CoordinatorTest.constant("b", 3, 3, 6));
            RoundResult r = co.runRound();
            assertEquals(2, r.accepted().size());
            assertArrayEquals(new float[] {2, 4}, co.globalWeights().values(), 1e-6f);
            assertTrue(r.summary().contains(", epsilon Infinity, "), r.summary());
        }
    }
}
