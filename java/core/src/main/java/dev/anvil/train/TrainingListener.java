package dev.anvil.train;

/** Receives progress from a {@link Trainer}; every method has an empty default. */
public interface TrainingListener {
    /** After every training step. */
    default void onStep(StepProgress progress) {}

    /** After every epoch, with its evaluation when a test set was given. */
    default void onEpochEnd(EpochResult result) {}
}
