package dev.anvil.tune;

/**
 * What a study optimises: runs one trial with its parameters ({@link Trial#params}) and returns its
 * value. It may {@link Trial#report} intermediate values and stop with {@link TrialPruned} when
 * {@link Trial#shouldPrune} says so. An exception, NaN or infinity marks the trial FAILED with the
 * reason, and the study goes on.
 */
@FunctionalInterface
public interface Objective {
    double evaluate(Trial trial) throws Exception;
}
