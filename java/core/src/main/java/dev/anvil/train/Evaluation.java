package dev.anvil.train;

/**
 * Result of evaluating a classifier.
 *
 * @param accuracy fraction of samples whose arg-max prediction equals the label
 * @param loss     mean cross-entropy loss
 * @param samples  number of samples evaluated
 * @param seconds  wall time
 */
public record Evaluation(double accuracy, double loss, long samples, double seconds) {}
