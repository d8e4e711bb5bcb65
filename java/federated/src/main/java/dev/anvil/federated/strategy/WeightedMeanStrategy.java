package dev.anvil.federated.strategy;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.Strategy;
import java.util.List;

/**
 * A strategy whose aggregate depends on the updates only through their sample-weighted mean
 * (FedAvg, FedProx, FedAdam, FedYogi): the only kind secure aggregation can serve, since the
 * coordinator then sees the weighted sum and nothing else.
 */
public abstract class WeightedMeanStrategy implements Strategy {
    @Override
    public final float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        return fromMean(round, global, weightedMean(updates));
    }

    /** The new global weights from the current ones and the sample-weighted mean of the clients' weights. */
    public abstract float[] fromMean(int round, float[] global, float[] mean);

    /**
     * Sum over clients of numSamples * weights / total samples, accumulated in double.
     *
     * @throws IllegalArgumentException if there are no updates, lengths differ or a count is not positive
     */
    public static float[] weightedMean(List<ClientUpdate> updates) {
        if (updates == null || updates.isEmpty()) throw new IllegalArgumentException("no updates to aggregate");
        int n = updates.get(0).weights().length;
        double[] acc = new double[n];
        double total = 0;
        for (ClientUpdate u : updates) {
            if (u.weights().length != n) throw new IllegalArgumentException("client " + u.clientId() + ": " + u.weights().length + " values, expected " + n);
            if (u.numSamples() <= 0) throw new IllegalArgumentException("client " + u.clientId() + ": sample count must be positive, got " + u.numSamples());
            double w = u.numSamples();
            float[] x = u.weights();
            for (int i = 0; i < n; i++) acc[i] += w * x[i];
            total += w;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (acc[i] / total);
        return out;
    }
}
