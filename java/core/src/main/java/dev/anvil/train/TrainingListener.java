package dev.anvil.train;

/** Receives progress from a {@link Trainer}; every method has an empty default. */
public interface TrainingListener {
    /** After every training step. */
    default void onStep(StepProgress progress) {}

    /** After every epoch, with its evaluation when a test set was given. */
    default void onEpochEnd(EpochResult result) {}

    /**
     * Asked after {@link #onEpochEnd}: true ends training after this epoch (early stopping, see
     * {@link EarlyStopping}). To stop in the middle of an epoch, call {@link Trainer#stop()}.
     */
    default boolean shouldStop(EpochResult result) {
        return false;
    }
}
