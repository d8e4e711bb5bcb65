package dev.anvil.rl.env;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * CartPole-v1 against the dynamics and limits of Gymnasium's documentation
 * (https://gymnasium.farama.org/environments/classic_control/cart_pole/) and its cartpole.py:
 * gravity 9.8, cart 1.0 kg, pole 0.1 kg, half-length 0.5, force 10 N, tau 0.02 s, explicit Euler,
 * termination beyond 12 degrees or 2.4, reward 1 per step, truncation at 500 steps.
 */
class CartPoleTest {
    @Test
    void firstStepFromRestMatchesTheEquationsWorkedByHand() {
        CartPole env = new CartPole();
        env.reset(0);
        env.setState(0, 0, 0, 0);
        StepResult r = env.step(1);
        // At rest, pushing right: temp = F / (M + m) = 100/11; the pole's angular acceleration is
        // -temp / (l (4/3 - m / (M + m))) = -(100/11) / (41/66) = -600/41, the cart's
        // temp + m l (600/41) / (M + m) = 4400/451. Euler moves positions with the old (zero)
        // velocities and velocities by tau times the accelerations.
        float[] o = r.observation();
        assertEquals(0.0, o[0], 0);
        assertEquals(0.02 * 4400 / 451, o[1], 1e-7);
        assertEquals(0.0, o[2], 0);
        assertEquals(-0.02 * 600 / 41, o[3], 1e-7);
        assertEquals(1.0, r.reward());
        assertFalse(r.terminated());
        assertFalse(r.truncated());
    }

    @Test
    void twoStepsFromATiltedMovingStateMatchTheDocumentedEquations() {
        CartPole env = new CartPole();
        env.reset(0);
        env.setState(0.1, -0.2, 0.05, 0.3);
        // Expected values: the equations of Gymnasium's cartpole.py evaluated independently in
        // float64 (Python), then observed as float32.
        float[] o = env.step(0).observation();
        assertArrayEquals(new float[] {0.096f, -0.3957976546439626f, 0.056f, 0.6080233136061515f}, o, 1e-7f);
        o = env.step(1).observation();
        assertArrayEquals(new float[] {0.08808404690712075f, -0.20150149737148554f, 0.06816046627212304f, 0.33349133901171724f}, o, 1e-7f);
    }

    @Test
    void terminatesPastTwelveDegreesOrTheTrackEnd() {
        CartPole env = new CartPole();
        env.reset(0);
        env.setState(0, 0, 0.2, 0); // 11.5 degrees: still up after a step
        assertFalse(env.step(0).terminated());
        env.reset(0);
        env.setState(0, 0, Math.toRadians(12) + 1e-6, 0);
        StepResult r = env.step(0);
        assertTrue(r.terminated());
        assertEquals(1.0, r.reward(), "the terminating step is rewarded too");
        env.reset(0);
        env.setState(2.39, 1.0, 0, 0); // x = 2.39 + 0.02 * 1.0 = 2.41 > 2.4
        assertTrue(env.step(1).terminated());
        env.reset(0);
        env.setState(-2.39, -1.0, 0, 0);
        assertTrue(env.step(0).terminated());
    }

    @Test
    void truncatesAtFiveHundredSteps() {
        CartPole env = new CartPole();
        env.reset(3);
        StepResult r = null;
        for (int i = 1; i <= 500; i++) {
            env.setState(0, 0, 0, 0); // hold the pole upright so only the step limit can end the episode
            r = env.step(i % 2);
            assertEquals(i == 500, r.truncated(), "step " + i);
            assertFalse(r.terminated());
        }
        assertTrue(r.done());
        assertFalse(env.isRunning());
        assertEquals(500, env.episodeStep());
    }

    @Test
    void resetDrawsEachVariableFromPlusMinusFiveHundredthsAndIsSeeded() {
        CartPole env = new CartPole();
        float[] first = env.reset(42).clone();
        for (float v : first) assertTrue(Math.abs(v) <= 0.05f, "initial state " + java.util.Arrays.toString(first));
        assertArrayEquals(first, env.reset(42));
        assertFalse(java.util.Arrays.equals(first, env.reset(43)));
        float[] secondEpisode = env.reset().clone(); // continues the generator seeded with 43
        assertArrayEquals(secondEpisode, reseededSecond(43));
        for (float v : secondEpisode) assertTrue(Math.abs(v) <= 0.05f);
    }

    private static float[] reseededSecond(long seed) {
        CartPole env = new CartPole();
        env.reset(seed);
        return env.reset().clone();
    }

    @Test
    void aRandomPolicyFallsWithinAFewDozenSteps() {
        // Known behaviour of the task: uniformly random pushes keep the pole up for about 20 steps on average.
        CartPole env = new CartPole();
        dev.anvil.rl.Rng rng = new dev.anvil.rl.Rng(5);
        long total = 0;
        env.reset(5);
        for (int e = 0; e < 1000; e++) {
            if (e > 0) env.reset();
            while (!env.step(rng.nextInt(2)).done()) {
                // keep stepping
            }
            total += env.episodeStep();
        }
        double mean = total / 1000.0;
        assertTrue(mean > 15 && mean < 30, "mean random episode length " + mean);
    }

    @Test
    void badUseNamesTheEnvironmentAndTheStep() {
        CartPole env = new CartPole();
        IllegalStateException before = assertThrows(IllegalStateException.class, () -> env.step(0));
        assertTrue(before.getMessage().contains("CartPole-v1") && before.getMessage().contains("never started"), before.getMessage());
        env.reset(1);
        env.step(0);
        IllegalArgumentException action = assertThrows(IllegalArgumentException.class, () -> env.step(2));
        assertEquals("CartPole-v1: action 2 at step 2 is outside the action space {0, ..., 1}", action.getMessage());
        assertThrows(IllegalArgumentException.class, () -> env.step(-1));
        env.setState(0, 0, 1.0, 0);
        assertTrue(env.step(0).terminated());
        IllegalStateException after = assertThrows(IllegalStateException.class, () -> env.step(0));
        assertTrue(after.getMessage().contains("CartPole-v1: step 3") && after.getMessage().contains("already ended"), after.getMessage());
        assertThrows(IllegalStateException.class, () -> env.setState(0, 0, 0, 0), "setState on a finished episode");
        env.reset(1);
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> env.setState(0, Double.NaN, 0, 0));
        assertTrue(nan.getMessage().contains("CartPole-v1") && nan.getMessage().contains("NaN"), nan.getMessage());
    }
}
