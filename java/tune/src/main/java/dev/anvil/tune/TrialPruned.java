package dev.anvil.tune;

/** Thrown by an objective to stop a trial that the pruner wants stopped; the trial becomes PRUNED. */
public class TrialPruned extends RuntimeException {
    public TrialPruned(String message) {
        super(message);
    }
}
