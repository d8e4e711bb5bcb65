package dev.anvil.rl.env;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** VectorEnv behaves like Gymnasium's SyncVectorEnv with same-step autoreset. */
class VectorEnvTest {
    @Test
    void copyIIsSeededWithSeedPlusIAndStepsLikeALoneCopy() {
        VectorEnv vec = VectorEnv.of(3, CartPole::new);
        float[] obs = vec.reset(100);
        CartPole[] alone = new CartPole[3];
        for (int i = 0; i < 3; i++) {
            alone[i] = new CartPole();
            assertArrayEquals(alone[i].reset(100 + i), java.util.Arrays.copyOfRange(obs, 4 * i, 4 * i + 4));
        }
        int[] actions = {0, 1, 1};
        vec.step(actions);
        for (int i = 0; i < 3; i++) {
            StepResult r = alone[i].step(actions[i]);
            assertArrayEquals(r.observation(), java.util.Arrays.copyOfRange(vec.observations(), 4 * i, 4 * i + 4));
            assertEquals(1.0, vec.rewards()[i]);
        }
    }

    @Test
    void finishedCopiesResetInTheSameStepAndKeepTheirFinalObservation() {
        VectorEnv vec = VectorEnv.of(2, () -> FrozenLake.lake4x4(false));
        vec.reset(0);
        vec.step(new int[] {FrozenLake.DOWN, FrozenLake.RIGHT});
        vec.step(new int[] {FrozenLake.RIGHT, FrozenLake.LEFT}); // copy 0 falls into hole 5
        assertTrue(vec.terminated()[0]);
        assertTrue(vec.done(0));
        assertFalse(vec.done(1));
        assertEquals(1f, vec.finalObservations()[5], "final observation: the hole");
        assertEquals(1f, vec.observations()[0], "copy 0 is back at the start");
        assertEquals(0.0, vec.lastEpisodeReturn(0));
        assertEquals(2, vec.lastEpisodeLength(0));
        assertTrue(vec.env(0).isRunning());
        assertEquals(1f, vec.observations()[16], "copy 1 is back at 0 after left");
    }

    @Test
    void episodeReturnsAreSummed() {
        VectorEnv vec = VectorEnv.of(1, () -> FrozenLake.lake4x4(false));
        vec.reset(0);
        int[][] path = {{2}, {2}, {1}, {1}, {1}, {2}};
        for (int[] a : path) vec.step(a);
        assertTrue(vec.terminated()[0]);
        assertEquals(1.0, vec.lastEpisodeReturn(0));
        assertEquals(6, vec.lastEpisodeLength(0));
    }

    @Test
    void badUseIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> VectorEnv.of(0, CartPole::new));
        assertThrows(IllegalArgumentException.class, () -> new VectorEnv(List.of()));
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> new VectorEnv(List.of(new CartPole(), FrozenLake.lake4x4(true))));
        assertTrue(mixed.getMessage().contains("FrozenLake-v1") && mixed.getMessage().contains("CartPole-v1"), mixed.getMessage());
        VectorEnv vec = VectorEnv.of(2, CartPole::new);
        assertThrows(IllegalStateException.class, () -> vec.step(new int[] {0, 0}), "before reset");
        vec.reset(0);
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> vec.step(new int[] {0}));
        assertTrue(count.getMessage().contains("expected 2 actions, got 1"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vec.step(new int[] {0, 5}), "action outside the space");
    }
}
