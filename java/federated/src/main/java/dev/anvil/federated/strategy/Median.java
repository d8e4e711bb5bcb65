package dev.anvil.federated.strategy;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.Strategy;
import java.util.Arrays;
import java.util.List;

/**
 * Coordinate-wise median of the clients' weights (Yin et al. 2018; Flower's FedMedian), unweighted;
 * with an even number of clients the mean of the two middle values.
 */
public final class Median implements Strategy {
    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        if (updates == null || updates.isEmpty()) throw new IllegalArgumentException("no updates to aggregate");
        int k = updates.size(), n = global.length;
        float[] out = new float[n], column = new float[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) column[c] = updates.get(c).weights()[i];
            Arrays.sort(column);
            out[i] = (k & 1) == 1 ? column[k / 2] : (float) (((double) column[k / 2 - 1] + column[k / 2]) / 2);
        }
        return out;
    }

    @Override
    public String name() {
        return "median";
    }

    @Override
    public String toString() {
        return name();
    }
}
