package dev.anvil.distributed;

import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;

/** One rank's samples of the current epoch of a {@link DistributedSampler}; see {@link DistributedSampler#shard}. */
final class ShardDataset implements Dataset {
    private final Dataset source;
    private final DistributedSampler sampler;

    ShardDataset(Dataset source, DistributedSampler sampler) {
        this.source = source;
        this.sampler = sampler;
    }

    @Override
    public int size() {
        return sampler.samplesPerEpoch();
    }

    @Override
    public long[] sampleShape() {
        return source.sampleShape();
    }

    @Override
    public int numClasses() {
        return source.numClasses();
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        source.read(sampler.sampleAt(index), dst);
    }

    @Override
    public int label(int index) {
        return source.label(sampler.sampleAt(index));
    }

    @Override
    public String toString() {
        return "shard of rank " + sampler.rank() + " of " + source;
    }
}
