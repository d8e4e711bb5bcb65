package dev.anvil.data;

import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * A dataset whose samples are samples of another one, chosen by index: subclasses give the size
 * and the source index of each sample (a subset, one rank's shard, ...). Shape and classes are the
 * source's.
 */
public abstract class IndexedView implements Dataset {
    private final Dataset source;

    protected IndexedView(Dataset source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The index in the source of sample {@code index} of this view (already range-checked). */
    protected abstract int sourceIndex(int index);

    /** The dataset the samples come from. */
    public Dataset source() {
        return source;
    }

    @Override
    public boolean decodesSamples() {
        return source().decodesSamples();
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
        source.read(sourceIndex(Objects.checkIndex(index, size())), dst);
    }

    @Override
    public int label(int index) {
        return source.label(sourceIndex(Objects.checkIndex(index, size())));
    }
}
