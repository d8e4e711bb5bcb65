package dev.anvil.federated.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrategyTest {
    private static ClientUpdate u(String id, long n, float... w) {
        return new ClientUpdate(id, 1, w, n, 0);
    }

    @Test
    void fedAvgWeightsBySampleCount() {
        // (1 * 100 + 4 * 300) / 400 = 3.25, (2 * 100 + 0 * 300) / 400 = 0.5
        float[] g = new FedAvg().aggregate(1, new float[2], List.of(u("a", 100, 1, 2), u("b", 300, 4, 0)));
        assertArrayEquals(new float[] {3.25f, 0.5f}, g, 1e-7f);
    }

    @Test
    void fedProxAggregatesAsFedAvgAndSendsMu() {
        FedProx p = new FedProx(0.1);
        assertEquals(0.1, p.configure(1, FitConfig.defaults()).proximalMu());
        assertEquals(0.0, new FedAvg().configure(1, FitConfig.defaults()).proximalMu());
        assertArrayEquals(new float[] {3.25f}, p.aggregate(1, new float[1], List.of(u("a", 1, 1), u("b", 3, 4))), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> new FedProx(-1));
    }

    /**
     * Reddi et al. 2021, Algorithm 2, by hand: global 0, mean 1, so d = 1; m = 0.1;
     * FedAdam v = 0.99 * 1e-6 + 0.01 = 0.01000099, FedYogi v = 1e-6 + 0.01 = 0.010001;
     * w = 0.01 * 0.1 / (sqrt(v) + 0.001): 0.009900500 (Adam) and 0.009900495 (Yogi). Round two with
     * mean 1 again: d = 1 - w1, m = 0.09 + 0.1 d.
     */
    @Test
    void fedAdamAndFedYogiFollowThePaper() {
        FedOpt adam = FedOpt.adam().build(), yogi = FedOpt.yogi().build();
        float[] a1 = adam.fromMean(1, new float[] {0}, new float[] {1});
        float[] y1 = yogi.fromMean(1, new float[] {0}, new float[] {1});
        assertEquals(0.001 / (Math.sqrt(0.01000099) + 0.001), a1[0], 1e-9);
        assertEquals(0.001 / (Math.sqrt(0.010001) + 0.001), y1[0], 1e-9);
        double d = 1 - a1[0], m = 0.09 + 0.1 * d, v = 0.99 * 0.01000099 + 0.01 * d * d;
        float[] a2 = adam.fromMean(2, a1, new float[] {1});
        assertEquals(a1[0] + 0.01 * m / (Math.sqrt(v) + 0.001), a2[0], 1e-8);
        assertEquals("fedadam", adam.name());
        assertEquals("fedyogi", yogi.name());
    }

    @Test
    void trimmedMeanAndMedianIgnoreAnOutlier() {
        List<ClientUpdate> ups = List.of(u("a", 1, 1), u("b", 1, 2), u("c", 1, 3), u("d", 1, 4), u("e", 1, 1000));
        assertEquals(3f, new TrimmedMean(0.2).aggregate(1, new float[1], ups)[0], 1e-6f); // mean of 2, 3, 4
        assertEquals(3f, new Median().aggregate(1, new float[1], ups)[0], 0f);
        assertEquals(202f, new TrimmedMean(0).aggregate(1, new float[1], ups)[0], 1e-4f); // plain mean
        assertEquals(2.5f, new Median().aggregate(1, new float[1], ups.subList(0, 4))[0], 0f);
        assertThrows(IllegalArgumentException.class, () -> new TrimmedMean(0.5));
    }

    @Test
    void parseKnowsEveryStrategyAndRejectsOthers() {
        assertTrue(Strategy.parse("fedavg") instanceof FedAvg);
        assertEquals(0.05, ((FedProx) Strategy.parse("fedprox:0.05")).mu());
        assertEquals("fedadam", Strategy.parse("FedAdam").name());
        assertEquals("fedyogi", Strategy.parse("fedyogi:0.03").name());
        assertEquals("trimmed-mean", Strategy.parse("trimmed-mean:0.2").name());
        assertEquals("median", Strategy.parse("median").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Strategy.parse("krum"));
        assertTrue(e.getMessage().contains("expected fedavg"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Strategy.parse("fedprox:abc"));
        assertThrows(IllegalArgumentException.class, () -> WeightedMeanStrategy.weightedMean(List.of()));
    }
}
