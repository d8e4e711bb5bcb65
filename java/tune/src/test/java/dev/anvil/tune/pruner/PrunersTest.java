package dev.anvil.tune.pruner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.WorkerId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Pruning decisions on synthetic learning curves, against the rules documented for Optuna's
 * MedianPruner (optuna.pruners.MedianPruner: the trial's best intermediate value against the median
 * of completed trials' values at the same step) and SuccessiveHalvingPruner (Li et al., MLSys 2020:
 * promotion to the next rung within the top 1/eta of the values recorded at the rung).
 */
class PrunersTest {
    private static FrozenTrial trial(int number, TrialState state, double... curve) {
        TreeMap<Long, Double> inter = new TreeMap<>();
        for (int s = 0; s < curve.length; s++) inter.put((long) s, curve[s]);
        return new FrozenTrial(number, state, Map.of(), null, inter, Map.of(), null, new WorkerId("h", 1, 0), 0, 0, 0);
    }

    private static FrozenTrial atSteps(int number, Map<Long, Double> reports) {
        return new FrozenTrial(number, TrialState.RUNNING, Map.of(), null, new TreeMap<>(reports), Map.of(), null, new WorkerId("h", 1, 0), 0, 0, 0);
    }

    /** Five complete trials whose curves are flat at 1, 2, 3, 4, 5: the median at every step is 3. */
    private static List<FrozenTrial> completed(int n) {
        List<FrozenTrial> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(trial(i, TrialState.COMPLETE, i + 1, i + 1, i + 1, i + 1, i + 1));
        return out;
    }

    private static boolean decide(Pruner p, FrozenTrial t, List<FrozenTrial> others, Direction d) {
        List<FrozenTrial> all = new ArrayList<>(others);
        all.add(t);
        return p.shouldPrune(t, all, d);
    }

    @Test
    void medianPrunesOnlyCurvesWorseThanTheMedianAfterTheStartupTrials() {
        MedianPruner p = new MedianPruner();
        assertFalse(decide(p, trial(9, TrialState.RUNNING, 2.5), completed(5), Direction.MINIMIZE));
        assertTrue(decide(p, trial(9, TrialState.RUNNING, 3.5), completed(5), Direction.MINIMIZE));
        assertFalse(decide(p, trial(9, TrialState.RUNNING, 3.5), completed(4), Direction.MINIMIZE), "n_startup_trials = 5");
        // the trial's best value so far counts, not its last one
        assertFalse(decide(p, trial(9, TrialState.RUNNING, 1.0, 10.0), completed(5), Direction.MINIMIZE));
        // maximising, the same curve is judged the other way round
        assertFalse(decide(p, trial(9, TrialState.RUNNING, 3.5), completed(5), Direction.MAXIMIZE));
        assertTrue(decide(p, trial(9, TrialState.RUNNING, 2.5), completed(5), Direction.MAXIMIZE));
        assertTrue(decide(p, trial(9, TrialState.RUNNING, Double.NaN), completed(0), Direction.MINIMIZE), "NaN is pruned at once");
        // pruned and running trials are not part of the median
        List<FrozenTrial> withPruned = completed(5);
        for (int i = 0; i < 20; i++) withPruned.add(trial(10 + i, TrialState.PRUNED, 100));
        assertFalse(decide(p, trial(40, TrialState.RUNNING, 2.9), withPruned, Direction.MINIMIZE));
    }

    @Test
    void medianWarmupIntervalAndMinTrials() {
        MedianPruner warm = new MedianPruner(50, 5, 2, 1, 1);
        assertFalse(decide(warm, trial(9, TrialState.RUNNING, 9, 9), completed(5), Direction.MINIMIZE), "step 1 < warm-up 2");
        assertTrue(decide(warm, trial(9, TrialState.RUNNING, 9, 9, 9), completed(5), Direction.MINIMIZE));
        MedianPruner every2 = new MedianPruner(50, 5, 0, 2, 1);
        assertFalse(decide(every2, trial(9, TrialState.RUNNING, 9, 9), completed(5), Direction.MINIMIZE), "step 1 is off the interval");
        MedianPruner min6 = new MedianPruner(50, 0, 0, 1, 6);
        assertFalse(decide(min6, trial(9, TrialState.RUNNING, 9), completed(5), Direction.MINIMIZE), "only 5 trials reported at step 0");
        MedianPruner p25 = new MedianPruner(25, 5, 0, 1, 1);
        assertTrue(decide(p25, trial(9, TrialState.RUNNING, 2.5), completed(5), Direction.MINIMIZE), "25th percentile of 1..5 is 2");
        assertEquals(2.0, MedianPruner.percentileOf(List.of(1.0, 2.0, 3.0, 4.0, 5.0), 25), 1e-12);
        assertEquals(2.5, MedianPruner.percentileOf(List.of(1.0, 2.0, 3.0, 4.0), 50), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new MedianPruner(101, 5, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MedianPruner(50, -1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MedianPruner(50, 5, -1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new MedianPruner(50, 5, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new MedianPruner(50, 5, 0, 1, 0));
    }

    @Test
    void ashaPromotesTheTopFractionOfEachRung() {
        AshaPruner p = new AshaPruner(1, 2, 0);
        assertEquals(List.of(1L, 2L, 4L), List.of(p.rungStep(0), p.rungStep(1), p.rungStep(2)));
        List<FrozenTrial> trials = new ArrayList<>();
        // step 0 is below the first rung: never pruned
        assertFalse(decide(p, atSteps(0, Map.of(0L, 99.0)), trials, Direction.MINIMIZE));
        FrozenTrial a = atSteps(0, Map.of(1L, 0.5));
        assertFalse(decide(p, a, trials, Direction.MINIMIZE), "alone at the rung: the best, promoted");
        trials.add(a);
        FrozenTrial b = atSteps(1, Map.of(1L, 0.7));
        assertTrue(decide(p, b, trials, Direction.MINIMIZE), "[0.5, 0.7]: 2 / 2 - 1 = 0, only the best goes on");
        trials.add(b);
        FrozenTrial c = atSteps(2, Map.of(1L, 0.4));
        assertFalse(decide(p, c, trials, Direction.MINIMIZE));
        trials.add(c);
        FrozenTrial d = atSteps(3, Map.of(1L, 0.45));
        assertFalse(decide(p, d, trials, Direction.MINIMIZE), "[0.4, 0.45, 0.5, 0.7]: the best 4 / 2 = 2 go on");
        trials.add(d);
        FrozenTrial e = atSteps(4, Map.of(1L, 0.6));
        assertTrue(decide(p, e, trials, Direction.MINIMIZE), "[0.4, 0.45, 0.5, 0.6, 0.7]: the best 2 go on");
        // a report that skips a rung's step is judged at that rung; later reports between rungs are not judged again
        FrozenTrial skip = atSteps(5, Map.of(1L, 0.3, 3L, 0.9));
        trials.add(atSteps(6, Map.of(1L, 0.2, 2L, 0.1)));
        assertTrue(decide(p, skip, trials, Direction.MINIMIZE), "rung 1 (step 2): 0.9 against 0.1");
        FrozenTrial between = atSteps(7, Map.of(1L, 0.1, 2L, 0.05, 3L, 5.0));
        assertFalse(decide(p, between, trials, Direction.MINIMIZE), "step 3 is no rung");
        assertTrue(decide(p, atSteps(8, Map.of(1L, Double.NaN)), trials, Direction.MINIMIZE));
        // maximising: larger is better
        assertFalse(decide(p, atSteps(9, Map.of(1L, 0.95)), List.of(atSteps(0, Map.of(1L, 0.5))), Direction.MAXIMIZE));
        assertTrue(decide(p, atSteps(9, Map.of(1L, 0.05)), List.of(atSteps(0, Map.of(1L, 0.5))), Direction.MAXIMIZE));
    }

    @Test
    void ashaArgumentsAndNames() {
        assertThrows(IllegalArgumentException.class, () -> new AshaPruner(0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new AshaPruner(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AshaPruner(1, 2, -1));
        assertEquals(List.of(4L, 16L), List.of(new AshaPruner(1, 4, 1).rungStep(0), new AshaPruner(1, 4, 1).rungStep(1)));
        for (String n : Pruners.NAMES) assertEquals(n, Pruners.create(n, 0, 1, 3).name());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Pruners.create("hyperband", 0, 1, 3)).getMessage().contains("unknown pruner"));
    }
}
