package dev.anvil.federated.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The assignment of sample indices to clients made by a {@link Partitioner}: each client's indices
 * (disjoint, together every sample once) and its samples per class.
 */
public final class Partition {
    private final List<int[]> indices;
    private final int[][] classCounts;

    /**
     * @param indices each client's sample indices into a data set labelled by {@code labels}
     * @throws IllegalArgumentException if an index is out of range or a label outside [0, numClasses)
     */
    public Partition(List<int[]> indices, int[] labels, int numClasses) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(labels, "labels");
        if (numClasses <= 0) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        List<int[]> copy = new ArrayList<>(indices.size());
        classCounts = new int[indices.size()][numClasses];
        for (int c = 0; c < indices.size(); c++) {
            int[] idx = indices.get(c).clone();
            for (int i : idx) {
                if (i < 0 || i >= labels.length) throw new IllegalArgumentException("client " + c + ": index " + i + " outside [0, " + labels.length + ")");
                int y = labels[i];
                if (y < 0 || y >= numClasses) throw new IllegalArgumentException("label " + y + " of sample " + i + " outside [0, " + numClasses + ")");
                classCounts[c][y]++;
            }
            copy.add(idx);
        }
        this.indices = List.copyOf(copy);
    }

    /** Number of clients. */
    public int clients() {
        return indices.size();
    }

    /** The sample indices of client {@code client} (a copy). */
    public int[] indices(int client) {
        return indices.get(Objects.checkIndex(client, indices.size())).clone();
    }

    /** Number of samples of client {@code client}. */
    public int size(int client) {
        return indices.get(Objects.checkIndex(client, indices.size())).length;
    }

    /** Samples per class of client {@code client} (a copy). */
    public int[] classCounts(int client) {
        return classCounts[Objects.checkIndex(client, indices.size())].clone();
    }

    /** One line per client: its number, sample count and samples per class. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < clients(); c++) {
            sb.append(String.format("client %3d: %6d samples, per class %s%n", c, size(c), Arrays.toString(classCounts[c])));
        }
        return sb.toString();
    }
}
