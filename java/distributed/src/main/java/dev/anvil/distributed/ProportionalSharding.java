package dev.anvil.distributed;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Each step takes the next {@code sum(batchSizes)} samples of the epoch's order; rank r gets {@code batchSizes[r]} of them. */
final class ProportionalSharding implements ShardingStrategy {
    private final int[] batchSizes;

    ProportionalSharding(int[] batchSizes) {
        if (batchSizes == null || batchSizes.length == 0 || Arrays.stream(batchSizes).anyMatch(b -> b <= 0)) {
            throw new IllegalArgumentException("need a positive batch size for each rank, got " + Arrays.toString(batchSizes));
        }
        this.batchSizes = batchSizes.clone();
    }

    @Override
    public Partition partition(int datasetSize, int worldSize, int ignored, boolean dropLast, SplittableRandom shuffle) {
        if (worldSize != batchSizes.length) {
            throw new IllegalArgumentException("proportional sharding has batch sizes " + Arrays.toString(batchSizes)
                    + " for " + batchSizes.length + " ranks, but the world has " + worldSize);
        }
        int global = Arrays.stream(batchSizes).sum();
        int steps = ShardingStrategy.perRank(datasetSize, global, dropLast);
        int[] order = ShardingStrategy.order(datasetSize, shuffle, steps * global);
        int[][] indices = new int[worldSize][];
        int offset = 0;
        for (int r = 0; r < worldSize; r++) {
            indices[r] = new int[steps * batchSizes[r]];
            for (int s = 0; s < steps; s++) System.arraycopy(order, s * global + offset, indices[r], s * batchSizes[r], batchSizes[r]);
            offset += batchSizes[r];
        }
        return new Partition(indices, batchSizes);
    }

    /** Splits {@code globalBatch} in proportion to {@code weights} by largest remainder, each part at least 1. */
    static int[] split(int globalBatch, double[] weights) {
        if (weights == null || weights.length == 0) throw new IllegalArgumentException("need a throughput for each rank");
        if (globalBatch < weights.length) {
            throw new IllegalArgumentException("a global batch of " + globalBatch + " cannot give " + weights.length + " ranks a sample each");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w > 0 && Double.isFinite(w))) throw new IllegalArgumentException("throughputs must be positive, got " + Arrays.toString(weights));
            total += w;
        }
        int[] sizes = new int[weights.length];
        double[] remainder = new double[weights.length];
        int given = 0;
        for (int r = 0; r < weights.length; r++) {
            double share = globalBatch * weights[r] / total;
            sizes[r] = (int) Math.floor(share);
            remainder[r] = share - sizes[r];
            given += sizes[r];
        }
        for (; given < globalBatch; given++) {
            int best = 0;
            for (int r = 1; r < weights.length; r++) {
                if (remainder[r] > remainder[best]) best = r;
            }
            sizes[best]++;
            remainder[best] = -1;
        }
        for (int r = 0; r < weights.length; r++) {
            if (sizes[r] > 0) continue;
            int largest = 0;
            for (int q = 1; q < weights.length; q++) {
                if (sizes[q] > sizes[largest]) largest = q;
            }
            sizes[largest]--;
            sizes[r] = 1;
        }
        return sizes;
    }

    @Override
    public String toString() {
        return "proportional" + Arrays.toString(batchSizes);
    }
}
