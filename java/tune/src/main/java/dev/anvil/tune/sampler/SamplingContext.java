package dev.anvil.tune.sampler;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a sampler sees when the next trial is asked.
 *
 * @param space       the study's search space
 * @param trials      every trial so far, in number order, running ones included
 * @param direction   minimise or maximise
 * @param trialNumber the number the new trial will get
 * @param seed        the study's seed
 */
public record SamplingContext(SearchSpace space, List<FrozenTrial> trials, Direction direction, int trialNumber, long seed) {
    /** A generator that depends only on the study's seed, the trial number and {@code stream}. */
    public SplittableRandom rng(long stream) {
        long h = seed * 0x9E3779B97F4A7C15L + trialNumber * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        return new SplittableRandom(h);
    }

    /** Trials that finished with a value, in number order. */
    public List<FrozenTrial> complete() {
        return inState(TrialState.COMPLETE);
    }

    public List<FrozenTrial> inState(TrialState state) {
        List<FrozenTrial> out = new ArrayList<>();
        for (FrozenTrial t : trials) if (t.state() == state) out.add(t);
        return out;
    }

    /** A complete trial's value as a loss (smaller is better). */
    public double loss(FrozenTrial t) {
        return direction.loss(t.value());
    }
}
