package dev.anvil.distributed;

import dev.anvil.data.Dataset;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Which samples this rank trains on in each epoch, split by a {@link ShardingStrategy} so that
 * the ranks' samples are disjoint (up to padding), together cover the data set, and give every
 * rank the same number of steps. Each epoch has its own shuffle order, the same on every rank
 * and in every run for the same seed and epoch.
 *
 * <pre>{@code
 * DistributedSampler sampler = DistributedSampler.builder(train.size(), group).batchSize(64).seed(42).build();
 * DataLoader loader = DataLoader.builder(sampler.shard(train)).batchSize(sampler.batchSize()).build();
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     sampler.setEpoch(epoch); // before iterating the loader, which must not shuffle
 *     for (Batch b : loader) { ... }
 * }
 * }</pre>
 */
public final class DistributedSampler {
    private final int datasetSize;
    private final int rank;
    private final int worldSize;
    private final ShardingStrategy strategy;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private volatile Partition partition;
    private volatile int epoch;

    private DistributedSampler(Builder b) {
        this.datasetSize = b.datasetSize;
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        this.strategy = b.strategy;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.partition = partitionOf(0);
    }

    /** A sampler for rank {@code rank} of {@code worldSize} over a data set of {@code datasetSize} samples. */
    public static Builder builder(int datasetSize, int rank, int worldSize) {
        return new Builder(datasetSize, rank, worldSize);
    }

    /** A sampler for this process's rank of {@code group}. */
    public static Builder builder(int datasetSize, ProcessGroup group) {
        return new Builder(datasetSize, group.rank(), group.worldSize());
    }

    /** The partition of epoch {@code e}, for every rank. */
    public Partition partitionOf(int e) {
        if (e < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        SplittableRandom random = shuffle ? new SplittableRandom(seed + 0x9E3779B97F4A7C15L * e) : null;
        return strategy.partition(datasetSize, worldSize, batchSize, dropLast, random);
    }

    /** Selects the epoch whose samples {@link #indices()} and {@link #shard} give. */
    public void setEpoch(int e) {
        Partition p = partitionOf(e);
        partition = p;
        epoch = e;
    }

    public int epoch() {
        return epoch;
    }

    /** The current epoch's partition, for every rank. */
    public Partition partition() {
        return partition;
    }

    /** This rank's sample indices in the current epoch, in order. */
    public int[] indices() {
        return partition.indices(rank);
    }

    /** This rank's batch size (which may differ between ranks with proportional sharding). */
    public int batchSize() {
        return partition.batchSize(rank);
    }

    /** Steps per epoch, the same on every rank. */
    public int stepsPerEpoch() {
        return partition.steps();
    }

    /** Samples this rank serves per epoch. */
    public int samplesPerEpoch() {
        return partition.size(rank);
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /**
     * A view of {@code dataset} holding this rank's samples of the current epoch, in order: load it
     * with a non-shuffling {@link dev.anvil.data.DataLoader} of {@link #batchSize()}, and call
     * {@link #setEpoch} before each epoch's iteration.
     */
    public Dataset shard(Dataset dataset) {
        Objects.requireNonNull(dataset, "dataset");
        if (dataset.size() != datasetSize) {
            throw new IllegalArgumentException("the sampler was built for " + datasetSize + " samples, but " + dataset + " has " + dataset.size());
        }
        return new ShardDataset(dataset, this);
    }

    int sampleAt(int position) {
        return partition.index(rank, position);
    }

    @Override
    public String toString() {
        return "DistributedSampler(rank " + rank + " of " + worldSize + ", " + strategy + ", epoch " + epoch + ")";
    }

    /** Settings of a {@link DistributedSampler}. */
    public static final class Builder {
        private final int datasetSize;
        private final int rank;
        private final int worldSize;
        private ShardingStrategy strategy = ShardingStrategy.strided();
        private int batchSize = 32;
        private boolean shuffle = true;
        private long seed;
        private boolean dropLast;

        private Builder(int datasetSize, int rank, int worldSize) {
            if (datasetSize <= 0) throw new IllegalArgumentException("data set size must be positive, got " + datasetSize);
            if (worldSize < 1) throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
            this.datasetSize = datasetSize;
            this.rank = Objects.checkIndex(rank, worldSize);
            this.worldSize = worldSize;
        }

        /** How samples are split among ranks (default {@link ShardingStrategy#strided()}). */
        public Builder strategy(ShardingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** Samples per batch on each rank (default 32); proportional sharding brings its own. */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch has its own random order (default true). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the shuffle order (default 0); must be the same on every rank. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Leave out the samples that do not fill the last step (default false: pad by repeating samples). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * @throws IllegalArgumentException if the strategy gives no step, or unequal steps
         */
        public DistributedSampler build() {
            return new DistributedSampler(this);
        }
    }
}
