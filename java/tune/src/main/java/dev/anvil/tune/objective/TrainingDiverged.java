package dev.anvil.tune.objective;

/** Training produced a NaN or infinite loss: the trial is FAILED with this message. */
public class TrainingDiverged extends RuntimeException {
    public TrainingDiverged(String message) {
        super(message);
    }
}
