package dev.anvil.data;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;

/**
 * A batch of samples from a {@link DataLoader}: float32 images {@code [B, C, H, W]} (or
 * {@code [B, sampleShape...]}) and int32 labels {@code [B]}, where {@code B = size()}, on the
 * loader's device.
 *
 * <p>The loader owns the tensors and reuses them: a batch is valid until the next call to
 * {@code next()} on the iterator that returned it (or until a new iteration starts, or the
 * loader is closed). Copy what must outlive that; never close the tensors.
 */
public final class Batch {
    private final int size;
    private final Tensor images;
    private final Tensor labels;
    // For a GPU batch: the pinned host tensors the dataset writes into, copied to images/labels.
    private final Tensor hostImages;
    private final Tensor hostLabels;

    /** Allocates tensors for {@code size} samples; they belong to no {@link Scope} of the caller. */
    Batch(int size, long[] sampleShape, Device device) {
        this.size = size;
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = size;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        try (Scope own = Scope.open()) { // frees what was allocated if a later allocation fails
            boolean gpu = device.type() == Device.Type.CUDA;
            Tensor x = Tensor.empty(device, DType.FLOAT32, shape);
            Tensor y = Tensor.empty(device, DType.INT32, size);
            Tensor hx = gpu ? Tensor.emptyPinned(device, DType.FLOAT32, shape) : null;
            Tensor hy = gpu ? Tensor.emptyPinned(device, DType.INT32, size) : null;
            this.images = own.keep(x);
            this.labels = own.keep(y);
            this.hostImages = hx == null ? x : own.keep(hx);
            this.hostLabels = hy == null ? y : own.keep(hy);
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

    /** The host tensors the loader fills: the batch itself on the CPU, pinned staging for a GPU. */
    Tensor hostImages() {
        return hostImages;
    }

    Tensor hostLabels() {
        return hostLabels;
    }

    /**
     * Copies the staged samples to the GPU on the device's copy stream and waits for them, so the
     * copy overlaps the compute work queued on the device; nothing to do on the CPU.
     */
    void upload() {
        if (hostImages == images) return;
        Device d = images.device();
        Native.copyToDeviceAside(d, images.address(), hostImages.address(), images.numel() * Float.BYTES);
        Native.copyToDeviceAside(d, labels.address(), hostLabels.address(), labels.numel() * Integer.BYTES);
    }

    void free() {
        images.close();
        labels.close();
        hostImages.close();
        hostLabels.close();
    }
}
