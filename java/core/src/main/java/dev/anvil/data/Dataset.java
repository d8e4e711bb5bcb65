package dev.anvil.data;

import java.nio.FloatBuffer;

/**
 * A fixed, indexable collection of labelled samples for classification. Implementations must be
 * safe to read from one background thread while the caller's thread does other work; they are
 * never read by two threads at once by {@link DataLoader}, unless it is built with more than one
 * {@linkplain DataLoader.Builder#workers worker}.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Shape of one sample, without the batch dimension, e.g. {@code {1, 28, 28}}. */
    long[] sampleShape();

    /** Number of classes; every label lies in {@code [0, numClasses())}. */
    int numClasses();

    /**
     * Writes sample {@code index} (the product of {@link #sampleShape()} floats) at the position
     * of {@code dst} and advances that position past it.
     */
    void read(int index, FloatBuffer dst);

    /** Class label of sample {@code index}. */
    int label(int index);

    /**
     * Whether reading a sample is real work (decoding an image file, augmenting it), so that a
     * {@link DataLoader} reads samples on worker threads by default; false for samples already in
     * memory (default).
     */
    default boolean decodesSamples() {
        return false;
    }

    /**
     * A view of the first {@code limit} samples, or of all of them when {@code limit >= size()}.
     *
     * @throws IllegalArgumentException if {@code limit <= 0}
     */
    default Dataset subset(int limit) {
        if (limit <= 0) throw new IllegalArgumentException("subset limit must be positive, got " + limit);
        return limit >= size() ? this : new SubsetDataset(this, limit);
    }
}
