package dev.anvil.train;

/**
 * Where training stands after one step.
 *
 * @param epoch           epoch number, from 1
 * @param epochs          epochs in the run
 * @param step            step within the epoch, from 1
 * @param stepsPerEpoch   steps in an epoch
 * @param loss            loss of this step's batch
 * @param meanLoss        mean loss of the epoch so far
 * @param imagesPerSecond training throughput of the epoch so far
 * @param etaSeconds      estimated seconds until the run's last step
 */
public record StepProgress(int epoch, int epochs, long step, long stepsPerEpoch, float loss, double meanLoss,
        double imagesPerSecond, double etaSeconds) {}
