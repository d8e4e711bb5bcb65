package dev.anvil.train;

/**
 * Summary of one epoch.
 *
 * @param epoch           epoch number, from 1
 * @param trainLoss       mean training loss over the epoch's samples
 * @param trainAccuracy   fraction of the epoch's training samples the model classified correctly
 *                        in its forward pass (training mode, before each step), as PyTorch
 *                        training loops usually report it; NaN where it was not counted
 * @param imagesPerSecond training throughput (training steps only, evaluation excluded)
 * @param trainSeconds    wall time of the training steps
 * @param test            evaluation on the test set after the epoch, or null without one
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double imagesPerSecond, double trainSeconds, Evaluation test) {}
