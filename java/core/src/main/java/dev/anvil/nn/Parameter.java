package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.util.Objects;

/**
 * A trainable tensor and its gradient. The gradient is "empty" after {@link #zeroGrad()}: the
 * next backward pass overwrites it instead of adding to it (so zeroing costs no memory pass),
 * and later backward passes before the next zeroGrad accumulate, as in PyTorch.
 */
public final class Parameter implements AutoCloseable {
    private final String name;
    private Tensor value;
    private Tensor grad;
    private boolean hasGrad;

    public Parameter(String name, long... shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Tensor.emptyUnscoped(DType.FLOAT32, shape);
        this.grad = Tensor.emptyUnscoped(DType.FLOAT32, shape);
    }

    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient tensor; meaningful only when {@link #hasGrad()}. */
    public Tensor grad() {
        return grad;
    }

    /** The device of the value and the gradient. */
    public dev.anvil.Device device() {
        return value.device();
    }

    /**
     * Moves the value and the gradient to {@code device}, keeping their contents; tensors taken
     * from {@link #value()} or {@link #grad()} before are closed.
     */
    public void to(dev.anvil.Device device) {
        if (device.equals(value.device())) return;
        Tensor v = value.copyUnscoped(device);
        Tensor g;
        try {
            g = hasGrad ? grad.copyUnscoped(device) : Tensor.emptyUnscoped(device, DType.FLOAT32, grad.shape());
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
        value.close();
        grad.close();
        value = v;
        grad = g;
    }

    public long numel() {
        return value.numel();
    }

    /** Whether a backward pass has written the gradient since the last {@link #zeroGrad()}. */
    public boolean hasGrad() {
        return hasGrad;
    }

    /** Marks the gradient empty (the next backward overwrites it). */
    public void zeroGrad() {
        hasGrad = false;
    }

    /**
     * For layers: whether the backward pass about to run must add to the gradient (true) or may
     * overwrite it (false). Marks the gradient as written.
     */
    public boolean beginGradWrite() {
        boolean accumulate = hasGrad;
        hasGrad = true;
        return accumulate;
    }

    @Override
    public void close() {
        value.close();
        grad.close();
    }

    @Override
    public String toString() {
        return "Parameter(" + name + ", " + value.shapeString() + ")";
    }
}
