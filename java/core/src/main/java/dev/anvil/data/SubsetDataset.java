package dev.anvil.data;

import java.nio.FloatBuffer;
import java.util.Objects;

/** The first {@code size} samples of another dataset; see {@link Dataset#subset(int)}. */
final class SubsetDataset implements Dataset {
    private final Dataset source;
    private final int size;

    SubsetDataset(Dataset source, int size) {
        this.source = source;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
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
        source.read(Objects.checkIndex(index, size), dst);
    }

    @Override
    public int label(int index) {
        return source.label(Objects.checkIndex(index, size));
    }

    @Override
    public String toString() {
        return "first " + size + " of " + source;
    }
}
