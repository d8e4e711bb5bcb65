package dev.anvil.rl.env;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FrozenLake against Gymnasium's documentation (https://gymnasium.farama.org/environments/toy_text/frozen_lake/):
 * the 4x4 and 8x8 maps, actions 0 left, 1 down, 2 right, 3 up, moves off the grid stay in place,
 * slipping to either perpendicular direction with probability 1/3 each, reward 1 at the goal,
 * termination in holes and at the goal, truncation at 100 (4x4) and 200 (8x8) steps.
 */
class FrozenLakeTest {
    @Test
    void theShortestPathOnTheNonSlipperyLakeReachesTheGoal() {
        FrozenLake lake = FrozenLake.lake4x4(false);
        lake.reset(0);
        assertEquals(0, lake.state());
        // SFFF / FHFH / FFFH / HFFG: right, right, down, down, down, right avoids the holes 5, 7, 11, 12.
        int[] path = {FrozenLake.RIGHT, FrozenLake.RIGHT, FrozenLake.DOWN, FrozenLake.DOWN, FrozenLake.DOWN, FrozenLake.RIGHT};
        int[] states = {1, 2, 6, 10, 14, 15};
        for (int i = 0; i < path.length; i++) {
            StepResult r = lake.step(path[i]);
            assertEquals(states[i], lake.state(), "after step " + (i + 1));
            assertEquals(i == path.length - 1 ? 1.0 : 0.0, r.reward());
            assertEquals(i == path.length - 1, r.terminated());
            assertEquals(1f, r.observation()[states[i]], "one-hot observation");
            assertEquals(1.0, sum(r.observation()));
        }
    }

    @Test
    void holesEndTheEpisodeWithoutRewardAndWallsKeepTheAgentInPlace() {
        FrozenLake lake = FrozenLake.lake4x4(false);
        lake.reset(0);
        assertEquals(0, lake.step(FrozenLake.LEFT).reward());
        assertEquals(0, lake.state(), "left of the start is off the grid");
        assertEquals(0, lake.step(FrozenLake.UP).reward());
        assertEquals(0, lake.state());
        lake.step(FrozenLake.DOWN);
        StepResult r = lake.step(FrozenLake.RIGHT);
        assertEquals(5, lake.state());
        assertEquals('H', lake.tile(5));
        assertTrue(r.terminated());
        assertEquals(0.0, r.reward());
    }

    @Test
    void slipperyMovesGoTheIntendedWayOrAtRightAnglesWithAThirdEach() {
        FrozenLake lake = FrozenLake.lake4x4(true);
        // Right from the start, in Gymnasium's order (a - 1) mod 4, a, (a + 1) mod 4: down (4),
        // right (1), up (off the grid: stays at 0).
        List<Outcome> right = lake.outcomes(0, FrozenLake.RIGHT);
        assertEquals(List.of(new Outcome(1.0 / 3, 4, 0, false), new Outcome(1.0 / 3, 1, 0, false), new Outcome(1.0 / 3, 0, 0, false)), right);
        // Right from 14, beside the goal: down (stays at 14), the goal (reward 1, terminal), up to 10.
        assertEquals(List.of(new Outcome(1.0 / 3, 14, 0, false), new Outcome(1.0 / 3, 15, 1, true), new Outcome(1.0 / 3, 10, 0, false)),
                lake.outcomes(14, FrozenLake.RIGHT));
        // Sampling follows the model: down from the start lands on 0, 4 and 1 a third of the time each.
        int[] counts = new int[16];
        lake.reset(11);
        int n = 30_000;
        for (int i = 0; i < n; i++) {
            lake.step(FrozenLake.DOWN);
            counts[lake.state()]++;
            lake.reset();
        }
        for (int s : new int[] {0, 1, 4}) assertEquals(1.0 / 3, counts[s] / (double) n, 0.015, "state " + s);
        assertEquals(n, counts[0] + counts[1] + counts[4]);
    }

    @Test
    void mapsAndStepLimitsAreGymnasiums() {
        FrozenLake small = FrozenLake.lake4x4(true), big = FrozenLake.lake8x8(true);
        assertEquals("FrozenLake-v1", small.id());
        assertEquals("FrozenLake8x8-v1", big.id());
        assertEquals(16, small.stateCount());
        assertEquals(64, big.stateCount());
        assertEquals(4, holes(small));
        assertEquals(10, holes(big));
        assertEquals('G', big.tile(63));
        for (FrozenLake lake : new FrozenLake[] {FrozenLake.lake4x4(false), FrozenLake.lake8x8(false)}) {
            lake.reset(0);
            StepResult r;
            do {
                r = lake.step(FrozenLake.LEFT); // pressed against the wall forever
            } while (!r.done());
            assertTrue(r.truncated());
            assertFalse(r.terminated());
            assertEquals(lake.stateCount() == 16 ? 100 : 200, lake.episodeStep());
        }
    }

    @Test
    void terminalStatesAbsorbInTheModel() {
        FrozenLake lake = FrozenLake.lake8x8(true);
        for (int a = 0; a < 4; a++) assertEquals(List.of(new Outcome(1, 63, 0, true)), lake.outcomes(63, a));
    }

    @Test
    void badMapsAndArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FrozenLake("x", List.of("SFF", "FG"), true, 10), "ragged");
        assertThrows(IllegalArgumentException.class, () -> new FrozenLake("x", List.of("SX", "FG"), true, 10), "letter");
        IllegalArgumentException twoStarts = assertThrows(IllegalArgumentException.class, () -> new FrozenLake("lake", List.of("SS", "FG"), true, 10));
        assertTrue(twoStarts.getMessage().contains("exactly one start"), twoStarts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrozenLake("x", List.of(), true, 10));
        assertThrows(IllegalArgumentException.class, () -> new FrozenLake("x", List.of("SG"), true, 0));
        FrozenLake lake = FrozenLake.lake4x4(true);
        IllegalArgumentException action = assertThrows(IllegalArgumentException.class, () -> lake.outcomes(0, 4));
        assertTrue(action.getMessage().contains("FrozenLake-v1") && action.getMessage().contains("action 4"), action.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lake.outcomes(16, 0));
        lake.reset(0);
        IllegalArgumentException step = assertThrows(IllegalArgumentException.class, () -> lake.step(4));
        assertEquals("FrozenLake-v1: action 4 at step 1 is outside the action space {0, ..., 3}", step.getMessage());
    }

    private static int holes(FrozenLake lake) {
        int n = 0;
        for (int s = 0; s < lake.stateCount(); s++) if (lake.tile(s) == 'H') n++;
        return n;
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s;
    }
}
