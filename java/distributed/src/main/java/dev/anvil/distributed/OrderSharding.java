package dev.anvil.distributed;

import java.util.SplittableRandom;

/** Equal shares of the epoch's sample order: contiguous blocks or strided. */
enum OrderSharding implements ShardingStrategy {
    CONTIGUOUS, STRIDED;

    @Override
    public Partition partition(int datasetSize, int worldSize, int batchSize, boolean dropLast, SplittableRandom shuffle) {
        int perRank = ShardingStrategy.perRank(datasetSize, worldSize, dropLast);
        int[] order = ShardingStrategy.order(datasetSize, shuffle, perRank * worldSize);
        int[][] indices = new int[worldSize][perRank];
        for (int r = 0; r < worldSize; r++) {
            for (int k = 0; k < perRank; k++) indices[r][k] = order[this == CONTIGUOUS ? r * perRank + k : k * worldSize + r];
        }
        return Partition.equalBatches(indices, batchSize, dropLast);
    }
}
