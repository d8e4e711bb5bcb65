package dev.anvil.data;

/** The first {@code size} samples of another dataset; see {@link Dataset#subset(int)}. */
final class SubsetDataset extends IndexedView {
    private final int size;

    SubsetDataset(Dataset source, int size) {
        super(source);
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    protected int sourceIndex(int index) {
        return index;
    }

    @Override
    public String toString() {
        return "first " + size + " of " + source();
    }
}
