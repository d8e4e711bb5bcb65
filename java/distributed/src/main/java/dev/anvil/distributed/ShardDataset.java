package dev.anvil.distributed;

import dev.anvil.data.Dataset;
import dev.anvil.data.IndexedView;

/** One rank's samples of the current epoch of a {@link DistributedSampler}; see {@link DistributedSampler#shard}. */
final class ShardDataset extends IndexedView {
    private final DistributedSampler sampler;

    ShardDataset(Dataset source, DistributedSampler sampler) {
        super(source);
        this.sampler = sampler;
    }

    @Override
    public int size() {
        return sampler.samplesPerEpoch();
    }

    @Override
    protected int sourceIndex(int index) {
        return sampler.sampleAt(index);
    }

    @Override
    public String toString() {
        return "shard of rank " + sampler.rank() + " of " + source();
    }
}
