package dev.anvil.train;

/**
 * Summary of one epoch.
 *
 * @param epoch           epoch number, from 1
 * @param trainLoss       mean training loss over the epoch's samples
 * @param imagesPerSecond training throughput (training steps only, evaluation excluded)
 * @param trainSeconds    wall time of the training steps
 * @param test            evaluation on the test set after the epoch, or null without one
 */
public record EpochResult(int epoch, double trainLoss, double imagesPerSecond, double trainSeconds, Evaluation test) {}
