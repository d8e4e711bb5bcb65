package dev.anvil.tune.pruner;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import java.util.List;

/**
 * Decides, after each report, whether a running trial should stop. Like a sampler it decides from
 * the journal's records only, so any worker, and a resumed study, decides alike.
 */
public interface Pruner {
    /**
     * @param trial     the running trial, with its latest report
     * @param trials    every trial of the study (this one included)
     * @param direction minimise or maximise the reported values
     */
    boolean shouldPrune(FrozenTrial trial, List<FrozenTrial> trials, Direction direction);

    String name();

    /** Never prunes. */
    Pruner NONE = new Pruner() {
        @Override
        public boolean shouldPrune(FrozenTrial trial, List<FrozenTrial> trials, Direction direction) {
            return false;
        }

        @Override
        public String name() {
            return "none";
        }
    };
}
