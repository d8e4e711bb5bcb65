package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Shapes;
import dev.anvil.internal.UseGuard;

/**
 * A loss between a model's output and a target, averaged to one number (PyTorch's losses with the
 * default {@code reduction='mean'}): {@link #forward} gives the loss, {@link #backward} its gradient
 * with respect to the output, to hand to the model's backward pass. Like a layer it serves one
 * thread at a time and keeps the tensors of its last forward pass allocated (see
 * {@link Tensor#retain}) until the next one; closing it frees the gradient.
 */
public abstract class Loss implements AutoCloseable {
    private final String name;
    private final UseGuard guard = new UseGuard();
    private Tensor input;
    private Tensor target;
    private Tensor gradient;

    protected Loss(String name) {
        this.name = name;
    }

    /** The mean loss of {@code input} against {@code target}; remembers both for {@link #backward()}. */
    public final float forward(Tensor input, Tensor target) {
        guard.enter(name, "forward");
        try {
            if (input == null || target == null) throw new IllegalArgumentException(name + ": input and target are required");
            input.checkOpen();
            target.checkOpen();
            if (!target.device().equals(input.device())) {
                throw new IllegalArgumentException(name + ": input is on " + input.device() + " but target on " + target.device());
            }
            check(input, target);
            input.retain();
            try {
                target.retain();
            } catch (RuntimeException e) {
                input.release();
                throw e;
            }
            releaseInputs();
            this.input = input;
            this.target = target;
            return compute(input, target);
        } finally {
            guard.exit();
        }
    }

    /** The gradient of the last forward pass's mean loss with respect to its input. */
    public final Tensor backward() {
        guard.enter(name, "backward");
        try {
            if (input == null) throw new IllegalStateException(name + ": backward() called before forward()");
            input.checkOpen();
            target.checkOpen();
            gradient = Layer.reuse(gradient, input.device(), Shapes.of(input));
            computeGradient(input, target, gradient);
            return gradient;
        } finally {
            guard.exit();
        }
    }

    /** Throws an {@link IllegalArgumentException} naming the loss and both shapes unless they fit. */
    protected abstract void check(Tensor input, Tensor target);

    /** The mean loss of checked, open tensors on one device. */
    protected abstract float compute(Tensor input, Tensor target);

    /** Writes d(mean loss)/d(input) into {@code gradient}, of the input's shape. */
    protected abstract void computeGradient(Tensor input, Tensor target, Tensor gradient);

    /** Frees what a subclass keeps beyond the gradient (called by {@link #close()}). */
    protected void closeResources() {}

    private void releaseInputs() {
        if (input != null) input.release();
        if (target != null) target.release();
        input = null;
        target = null;
    }

    @Override
    public final void close() {
        guard.enter(name, "close");
        try {
            if (gradient != null) gradient.close();
            gradient = null;
            releaseInputs();
            closeResources();
        } finally {
            guard.exit();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
