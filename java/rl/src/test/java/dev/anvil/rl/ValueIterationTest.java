package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.TabularEnvironment;
import org.junit.jupiter.api.Test;

class ValueIterationTest {
    @Test
    void aHorizonCountsTheStepsLeft() {
        TabularEnvironment retry = Mdps.retry(0.5);
        for (int h : new int[] {1, 2, 5, 20}) {
            assertEquals(1 - Math.pow(0.5, h), ValueIteration.optimalValues(retry, 1, h)[0], 1e-12, "horizon " + h);
        }
        assertEquals(1.0, ValueIteration.optimalValues(retry, 1, Integer.MAX_VALUE)[0], 1e-9);
        // Discounted: V = 0.5 + 0.5 * 0.9 * V, so V = 0.5 / 0.55.
        assertEquals(0.5 / 0.55, ValueIteration.optimalValues(retry, 0.9, Integer.MAX_VALUE)[0], 1e-9);
    }

    @Test
    void theNonSlipperyLakeIsWorthGammaToTheFifth() {
        // The goal is six moves away and the reward comes with the sixth: V(start) = gamma^5.
        FrozenLake lake = FrozenLake.lake4x4(false);
        assertEquals(Math.pow(0.9, 5), ValueIteration.optimalValues(lake, 0.9, Integer.MAX_VALUE)[0], 1e-12);
        assertEquals(1.0, ValueIteration.optimalValues(lake, 1, 6)[0], 1e-12);
        assertEquals(0.0, ValueIteration.optimalValues(lake, 1, 5)[0], 1e-12, "five steps are not enough");
    }

    @Test
    void theSlipperyLakesOptimaAreConsistentAndBelowCertainty() {
        FrozenLake lake = FrozenLake.lake4x4(true);
        double[] v = ValueIteration.optimalValues(lake, 1, Integer.MAX_VALUE);
        // The best policy's own value equals the optimum (policy evaluation agrees with value iteration).
        int[] policy = ValueIteration.greedyPolicy(lake, v, 1);
        assertArrayEquals(v, ValueIteration.policyValues(lake, policy, 1, Integer.MAX_VALUE), 1e-9);
        // Slipping makes the goal unsure from the start, and a step limit can only lower the chance.
        assertTrue(v[0] > 0.8 && v[0] < 0.83, "P(goal) from the start " + v[0]);
        double limited = ValueIteration.optimalValues(lake, 1, 100)[0];
        assertTrue(limited < v[0] && limited > 0.7, "within 100 steps " + limited);
        // On the 8x8 lake the goal can be reached almost surely when steps are unlimited.
        assertEquals(1.0, ValueIteration.optimalValues(FrozenLake.lake8x8(true), 1, Integer.MAX_VALUE)[0], 1e-6);
    }

    @Test
    void badArgumentsAreRejected() {
        FrozenLake lake = FrozenLake.lake4x4(true);
        assertThrows(IllegalArgumentException.class, () -> ValueIteration.optimalValues(lake, 1.5, 10));
        assertThrows(IllegalArgumentException.class, () -> ValueIteration.optimalValues(lake, 0.9, 0));
        assertThrows(IllegalArgumentException.class, () -> ValueIteration.policyValues(lake, new int[3], 1, 10));
        int[] bad = new int[16];
        bad[3] = 4;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueIteration.policyValues(lake, bad, 1, 10));
        assertTrue(e.getMessage().contains("action 4 of state 3"), e.getMessage());
    }
}
