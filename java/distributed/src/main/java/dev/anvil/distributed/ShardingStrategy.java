package dev.anvil.distributed;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How a {@link DistributedSampler} splits an epoch's samples among the ranks. Every strategy is a
 * pure function of its arguments, so every rank computes the same partition on its own, and every
 * strategy gives every rank the same number of steps.
 */
@FunctionalInterface
public interface ShardingStrategy {
    /**
     * Splits samples {@code 0..datasetSize-1} among {@code worldSize} ranks.
     *
     * @param batchSize the sampler's per-rank batch size (strategies with their own per-rank
     *     sizes ignore it)
     * @param dropLast leave out samples that do not fill the last step, instead of padding by
     *     repeating samples
     * @param shuffle the epoch's random order, or null to keep index order
     */
    Partition partition(int datasetSize, int worldSize, int batchSize, boolean dropLast, SplittableRandom shuffle);

    /** Rank r takes the r-th contiguous block of the (shuffled) sample order. */
    static ShardingStrategy contiguous() {
        return OrderSharding.CONTIGUOUS;
    }

    /** Rank r takes samples r, r + worldSize, r + 2 worldSize, ... of the (shuffled) sample order, as PyTorch does. */
    static ShardingStrategy strided() {
        return OrderSharding.STRIDED;
    }

    /**
     * Rank r takes {@code batchSizes[r]} samples per step, for ranks of unequal capacity. Train
     * with sample-weighted gradients ({@link DistributedDataParallel#backward(dev.anvil.Tensor, long)})
     * so that each step equals one step on the global batch of {@code sum(batchSizes)} samples.
     */
    static ShardingStrategy proportional(int... batchSizes) {
        return new ProportionalSharding(batchSizes);
    }

    /**
     * {@link #proportional} with batch sizes that split {@code globalBatch} in proportion to each
     * rank's throughput (samples per second), each rank getting at least one sample.
     */
    static ShardingStrategy proportionalToThroughput(int globalBatch, double... samplesPerSecond) {
        return new ProportionalSharding(ProportionalSharding.split(globalBatch, samplesPerSecond));
    }

    /**
     * {@link #proportionalToThroughput} from each rank's own measurement: gathers every rank's
     * {@code mySamplesPerSecond} so that all ranks compute the same batch sizes. Every rank must call it.
     */
    static ShardingStrategy proportionalToThroughput(ProcessGroup group, int globalBatch, double mySamplesPerSecond) {
        byte[][] all = group.allGather(ByteBuffer.allocate(Double.BYTES).putDouble(mySamplesPerSecond).array());
        double[] throughput = new double[all.length];
        for (int r = 0; r < all.length; r++) throughput[r] = ByteBuffer.wrap(all[r]).getDouble();
        return proportionalToThroughput(globalBatch, throughput);
    }

    /**
     * For data stored in shards on hosts: samples are numbered through {@code shards} in list
     * order. Each host's shards go to the ranks on that host ({@code rankHosts.get(rank)}), largest
     * shard to least loaded rank; ranks above the per-rank share hand their surplus to ranks below
     * it (on the same host first), and shards on hosts without a rank fill the places left. Only
     * the shuffle order within a rank changes from epoch to epoch.
     */
    static ShardingStrategy locality(List<DataShard> shards, List<String> rankHosts) {
        return new LocalitySharding(Objects.requireNonNull(shards, "shards"), Objects.requireNonNull(rankHosts, "rankHosts"));
    }

    /**
     * Samples per rank: the share of {@code total} for {@code worldSize} ranks, rounded down with
     * {@code dropLast} and up otherwise.
     */
    static int perRank(int total, int worldSize, boolean dropLast) {
        return dropLast ? total / worldSize : (total + worldSize - 1) / worldSize;
    }

    /** The epoch's sample order, repeated from its start or cut to {@code length} samples. */
    static int[] order(int datasetSize, SplittableRandom shuffle, int length) {
        int[] order = new int[datasetSize];
        for (int i = 0; i < datasetSize; i++) order[i] = i;
        if (shuffle != null) shuffleInPlace(order, shuffle);
        int[] out = new int[length];
        for (int i = 0; i < length; i++) out[i] = order[i % datasetSize];
        return out;
    }

    /** Fisher-Yates shuffle. */
    static void shuffleInPlace(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
