package dev.anvil.rl.env;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.rl.Rng;
import org.junit.jupiter.api.Test;

/** The checks that every environment gets from the base class. */
class EnvironmentTest {
    /** Counts down and observes 1 / (count - 1): the step reaching count 1 observes infinity, then NaN-free again. */
    static final class Faulty extends Environment {
        private int count;
        private final float bad;

        Faulty(float bad) {
            super("Faulty-v0", 2, 3, 50);
            this.bad = bad;
        }

        @Override
        protected void startEpisode(Rng rng, float[] observation) {
            count = 3;
            observation[0] = observation[1] = 0;
        }

        @Override
        protected double transition(int action, Rng rng, float[] observation) {
            count--;
            observation[1] = count == 1 ? bad : count;
            return 0;
        }

        @Override
        protected boolean isTerminal() {
            return false;
        }
    }

    @Test
    void aNonFiniteObservationIsReportedWithTheEnvironmentAndStep() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            Faulty env = new Faulty(bad);
            env.reset(0);
            env.step(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> env.step(1));
            assertTrue(e.getMessage().startsWith("Faulty-v0: step 2 produced a non-finite observation (" + bad + " at index 1"), e.getMessage());
            assertFalse(env.isRunning(), "the episode cannot go on from a broken state");
            assertThrows(IllegalStateException.class, () -> env.step(0));
        }
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new TabularEnvironment("t", 0, 1, 1, 0, java.util.List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TabularEnvironment("t", 1, 1, 1, 0,
                java.util.List.of(java.util.List.of(java.util.List.of(new Outcome(0.5, 0, 0, true))))));
        assertTrue(e.getMessage().contains("total probability 0.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TabularEnvironment("t", 1, 1, 1, 1,
                java.util.List.of(java.util.List.of(java.util.List.of(new Outcome(1, 0, 0, true))))), "initial state out of range");
        assertThrows(IllegalArgumentException.class, () -> new TabularEnvironment("t", 1, 1, 1, 0,
                java.util.List.of(java.util.List.of(java.util.List.of(new Outcome(1, 3, 0, true))))), "next state out of range");
    }
}
