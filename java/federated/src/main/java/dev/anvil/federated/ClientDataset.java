package dev.anvil.federated;

import dev.anvil.data.Dataset;
import dev.anvil.data.Splits;
import dev.anvil.federated.partition.Partition;

/** One client's samples of a data set: the indices a {@link Partition} gave it. */
public final class ClientDataset {
    private ClientDataset() {}

    /**
     * Client {@code client}'s share of {@code source} under {@code partition}, a view of those samples.
     *
     * @throws IllegalArgumentException if an index is outside the source or the client has none
     */
    public static Dataset of(Dataset source, Partition partition, int client) {
        return Splits.subset(source, partition.indices(client));
    }

    /** The labels of every sample of {@code data}, for a {@link dev.anvil.federated.partition.Partitioner}. */
    public static int[] labels(Dataset data) {
        int[] y = new int[data.size()];
        for (int i = 0; i < y.length; i++) y[i] = data.label(i);
        return y;
    }
}
