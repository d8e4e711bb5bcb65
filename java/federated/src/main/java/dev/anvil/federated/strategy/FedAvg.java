package dev.anvil.federated.strategy;

/**
 * FedAvg (McMahan et al. 2017): the next global model is the clients' weights averaged with
 * weights proportional to their sample counts.
 */
public class FedAvg extends WeightedMeanStrategy {
    @Override
    public float[] fromMean(int round, float[] global, float[] mean) {
        return mean;
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public String toString() {
        return name();
    }
}
