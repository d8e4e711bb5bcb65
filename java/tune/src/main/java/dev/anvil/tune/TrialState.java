package dev.anvil.tune;

/** Where a trial stands. Every state but RUNNING is final, except that a LOST trial that tells later is taken back. */
public enum TrialState {
    /** Asked and not yet told. */
    RUNNING,
    /** Finished with a value. */
    COMPLETE,
    /** Stopped early by the pruner; its value is its last reported one. */
    PRUNED,
    /** The objective threw, returned NaN or infinity, or diverged; the reason says which. */
    FAILED,
    /** Its worker died (process gone, or no heartbeat within the grace period); its parameters are retried once. */
    LOST;

    public boolean isFinished() {
        return this != RUNNING;
    }
}
