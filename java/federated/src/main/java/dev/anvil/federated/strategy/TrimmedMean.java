package dev.anvil.federated.strategy;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.Strategy;
import java.util.Arrays;
import java.util.List;

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): for each coordinate, the floor(beta * n) largest and
 * smallest client values are dropped and the rest averaged (unweighted). Robust to that many
 * arbitrary (Byzantine) clients per coordinate.
 */
public final class TrimmedMean implements Strategy {
    private final double beta;

    public TrimmedMean(double beta) {
        if (!(beta >= 0 && beta < 0.5)) throw new IllegalArgumentException("trimmed mean beta must be in [0, 0.5), got " + beta);
        this.beta = beta;
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        if (updates == null || updates.isEmpty()) throw new IllegalArgumentException("no updates to aggregate");
        int k = updates.size(), n = global.length, cut = (int) Math.floor(beta * k);
        float[] out = new float[n], column = new float[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) column[c] = updates.get(c).weights()[i];
            Arrays.sort(column);
            double s = 0;
            for (int c = cut; c < k - cut; c++) s += column[c];
            out[i] = (float) (s / (k - 2 * cut));
        }
        return out;
    }

    @Override
    public String name() {
        return "trimmed-mean";
    }

    @Override
    public String toString() {
        return "trimmed-mean(beta=" + beta + ")";
    }
}
