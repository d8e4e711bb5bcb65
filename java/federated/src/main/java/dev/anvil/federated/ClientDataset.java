package dev.anvil.federated;

import dev.anvil.data.Dataset;
import dev.anvil.data.IndexedView;
import dev.anvil.federated.partition.Partition;
import java.util.Objects;

/** One client's samples of a data set: the indices a {@link Partition} gave it. */
public final class ClientDataset extends IndexedView {
    private final int[] indices;

    /**
     * @throws IllegalArgumentException if an index is outside the source or there are none
     */
    public ClientDataset(Dataset source, int[] indices) {
        super(source);
        Objects.requireNonNull(indices, "indices");
        if (indices.length == 0) throw new IllegalArgumentException("a client needs at least one sample");
        for (int i : indices) {
            if (i < 0 || i >= source.size()) throw new IllegalArgumentException("index " + i + " outside the source's " + source.size() + " samples");
        }
        this.indices = indices.clone();
    }

    /** Client {@code client}'s share of {@code source} under {@code partition}. */
    public static ClientDataset of(Dataset source, Partition partition, int client) {
        return new ClientDataset(source, partition.indices(client));
    }

    /** The labels of every sample of {@code data}, for a {@link dev.anvil.federated.partition.Partitioner}. */
    public static int[] labels(Dataset data) {
        int[] y = new int[data.size()];
        for (int i = 0; i < y.length; i++) y[i] = data.label(i);
        return y;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    protected int sourceIndex(int index) {
        return indices[index];
    }

    @Override
    public String toString() {
        return indices.length + " samples of " + source();
    }
}
