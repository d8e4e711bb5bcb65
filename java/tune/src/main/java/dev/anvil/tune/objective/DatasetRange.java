package dev.anvil.tune.objective;

import dev.anvil.data.Dataset;
import dev.anvil.data.IndexedView;

/** Samples {@code from .. from + size - 1} of another dataset (a validation split held out of the training set). */
final class DatasetRange extends IndexedView {
    private final int from;
    private final int size;

    DatasetRange(Dataset source, int from, int size) {
        super(source);
        if (from < 0 || size <= 0 || from + size > source.size()) {
            throw new IllegalArgumentException("range " + from + " + " + size + " does not fit a dataset of " + source.size());
        }
        this.from = from;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    protected int sourceIndex(int index) {
        return from + index;
    }
}
