package dev.anvil.distributed;

import java.util.Arrays;
import java.util.Objects;

/**
 * The samples of one epoch split among the ranks: rank r serves {@link #indices(int)} in order,
 * in batches of {@link #batchSize(int)}, and every rank takes the same number of {@link #steps()},
 * so no rank waits at a collective for a peer that has run out of data.
 */
public final class Partition {
    private final int[][] indices;
    private final int[] batchSizes;
    private final int steps;

    /**
     * @param indices each rank's sample indices, in the order they are served
     * @param batchSizes each rank's batch size
     * @throws IllegalArgumentException unless every rank has at least one step and all have the same number
     */
    public Partition(int[][] indices, int[] batchSizes) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(batchSizes, "batchSizes");
        if (indices.length == 0 || indices.length != batchSizes.length) {
            throw new IllegalArgumentException("need indices and a batch size for each rank, got " + indices.length + " and "
                    + batchSizes.length);
        }
        this.indices = new int[indices.length][];
        this.batchSizes = batchSizes.clone();
        int[] stepCounts = new int[indices.length];
        for (int r = 0; r < indices.length; r++) {
            if (batchSizes[r] <= 0) throw new IllegalArgumentException("rank " + r + " has batch size " + batchSizes[r]);
            this.indices[r] = indices[r].clone();
            stepCounts[r] = (indices[r].length + batchSizes[r] - 1) / batchSizes[r];
        }
        this.steps = stepCounts[0];
        if (steps == 0 || Arrays.stream(stepCounts).anyMatch(s -> s != steps)) {
            throw new IllegalArgumentException("every rank needs the same, positive number of steps; samples per rank "
                    + Arrays.toString(Arrays.stream(indices).mapToInt(a -> a.length).toArray()) + " with batch sizes "
                    + Arrays.toString(batchSizes) + " give steps " + Arrays.toString(stepCounts));
        }
    }

    /**
     * Equal batch sizes for every rank; with {@code dropLast}, each rank's samples are cut to a
     * whole number of batches, otherwise the last batch may be partial (and the same size on every
     * rank, since every rank has the same number of samples).
     */
    static Partition equalBatches(int[][] indices, int batchSize, boolean dropLast) {
        int[] sizes = new int[indices.length];
        Arrays.fill(sizes, batchSize);
        if (!dropLast) return new Partition(indices, sizes);
        int[][] cut = new int[indices.length][];
        for (int r = 0; r < indices.length; r++) cut[r] = Arrays.copyOf(indices[r], indices[r].length / batchSize * batchSize);
        return new Partition(cut, sizes);
    }

    /** Number of ranks. */
    public int worldSize() {
        return indices.length;
    }

    /** Steps (batches) per rank in the epoch; the same for every rank. */
    public int steps() {
        return steps;
    }

    /** Samples per batch of rank {@code rank} (its last batch may be smaller). */
    public int batchSize(int rank) {
        return batchSizes[rank];
    }

    /** The sample indices rank {@code rank} serves, in order (a copy). */
    public int[] indices(int rank) {
        return indices[rank].clone();
    }

    /** The sample indices of batch {@code step} of rank {@code rank}. */
    public int[] batch(int rank, int step) {
        Objects.checkIndex(step, steps);
        int from = step * batchSizes[rank];
        return Arrays.copyOfRange(indices[rank], from, Math.min(from + batchSizes[rank], indices[rank].length));
    }

    int size(int rank) {
        return indices[rank].length;
    }

    int index(int rank, int position) {
        return indices[rank][position];
    }
}
