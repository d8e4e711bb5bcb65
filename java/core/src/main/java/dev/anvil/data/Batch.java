package dev.anvil.data;

import dev.anvil.DType;
import dev.anvil.Scope;
import dev.anvil.Tensor;

/**
 * A batch of samples from a {@link DataLoader}: float32 images {@code [B, C, H, W]} (or
 * {@code [B, sampleShape...]}) and int32 labels {@code [B]}, where {@code B = size()}.
 *
 * <p>The loader owns the tensors and reuses them: a batch is valid until the next call to
 * {@code next()} on the iterator that returned it (or until a new iteration starts, or the
 * loader is closed). Copy what must outlive that; never close the tensors.
 */
public final class Batch {
    private final int size;
    private final Tensor images;
    private final Tensor labels;

    /** Allocates tensors for {@code size} samples; they belong to no {@link Scope} of the caller. */
    Batch(int size, long[] sampleShape) {
        this.size = size;
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = size;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        try (Scope own = Scope.open()) { // frees the images if the labels cannot be allocated
            Tensor x = Tensor.empty(DType.FLOAT32, shape);
            Tensor y = Tensor.empty(DType.INT32, size);
            this.images = own.keep(x);
            this.labels = own.keep(y);
        }
    }

    /** Number of samples in this batch. */
    public int size() {
        return size;
    }

    /** The float32 samples, {@code [size(), sampleShape...]}. */
    public Tensor images() {
        return images;
    }

    /** The int32 class labels, {@code [size()]}. */
    public Tensor labels() {
        return labels;
    }

    void free() {
        images.close();
        labels.close();
    }
}
