package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.internal.UseGuard;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A building block of a network with an explicit forward and backward pass.
 *
 * <p>Tensors returned by {@link #forward} and {@link #backward} belong to the layer: they are
 * reused by the next call (no allocation per training step) and freed by {@link #close()}.
 * A layer keeps a reference to its forward input for the backward pass, so the input must stay
 * open and unchanged until then. Shape problems are reported before any native call, with the
 * layer's name and the shapes involved.
 *
 * <p>A layer with parameters lives on one {@link Device} ({@link #to} moves it) and takes inputs
 * on that device; its outputs are on the device of its input.
 *
 * <p>Threads: a layer (a model is a layer) serves one thread at a time, like a PyTorch module. A
 * second thread calling forward, backward, {@link #to} or {@link #close} while one is inside gets an
 * {@link IllegalStateException} naming the layer and both threads. Tensors a pass reads stay
 * allocated while it runs even if another thread closes them (see {@link Tensor#retain}), and the
 * input of a training forward pass until the next forward pass, for backward.
 *
 * <p>Subclasses implement {@link #doForward} and {@link #doBackward}.
 */
public abstract class Layer implements AutoCloseable {
    private String name;
    private boolean training = true;
    private volatile boolean closed;
    private Device device = Device.cpu();
    private final UseGuard guard = new UseGuard();
    private Tensor heldInput; // retained since the last training forward pass: backward reads it

    protected Layer(String name) {
        this.name = name;
    }

    /** The layer's name, used in messages, summaries and parameter names. */
    public String name() {
        return name;
    }

    /** Renames the layer (containers name their children by position). */
    public void setName(String name) {
        this.name = name;
    }

    /** Output shape for an input of the given shape; throws IllegalArgumentException if invalid. */
    public abstract long[] outputShape(long[] inputShape);

    /** Computes the output; in training mode also remembers what backward needs. */
    public final Tensor forward(Tensor x) {
        guard.enter(name, "forward");
        try {
            retainArgument(x, "input");
            Tensor previous = heldInput;
            heldInput = null;
            try {
                Tensor y = doForward(x);
                if (training) {
                    heldInput = x;
                    x = null;
                }
                return y;
            } finally {
                if (x != null) x.release();
                if (previous != null) previous.release();
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Gradient with respect to the input, given the gradient of the output; adds (or writes, after
     * zeroGrad) the parameter gradients. {@code needInputGrad == false} lets the first layer skip
     * computing a gradient nobody uses; it then returns null.
     */
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        guard.enter(name, "backward");
        try {
            retainArgument(dy, "output gradient");
            try {
                return doBackward(dy, needInputGrad);
            } finally {
                dy.release();
            }
        } finally {
            guard.exit();
        }
    }

    public final Tensor backward(Tensor dy) {
        return backward(dy, true);
    }

    /** The forward pass of this layer; {@link #forward} checks the thread and keeps x allocated. */
    protected abstract Tensor doForward(Tensor x);

    /** The backward pass of this layer; {@link #backward} checks the thread and keeps dy allocated. */
    protected abstract Tensor doBackward(Tensor dy, boolean needInputGrad);

    private void retainArgument(Tensor t, String what) {
        checkNotClosed();
        if (t == null) throw new IllegalArgumentException(name + ": " + what + " is null");
        try {
            t.retain();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + ": " + what + " " + t.dtype() + t.shapeString() + " is closed", e);
        }
    }

    /** The device of this layer's parameters (the CPU until {@link #to} moves them). */
    public Device device() {
        return device;
    }

    /**
     * Moves the parameters (values and gradients) to {@code device} and frees the activation
     * buffers, which the next forward pass allocates there; returns this layer. Like PyTorch's
     * {@code module.to(device)}: the {@link Parameter} objects stay the same, so an optimizer made
     * before the move keeps working, and moves its own state on its next step.
     */
    public Layer to(Device device) {
        java.util.Objects.requireNonNull(device, "device");
        guard.enter(name, "to(" + device + ")");
        try {
            checkNotClosed();
            if (!device.equals(this.device)) {
                moveContents(device);
                this.device = device;
            }
            return this;
        } finally {
            guard.exit();
        }
    }

    /** Moves what the layer holds to {@code device}: its parameters; activations are freed. Containers add their children. */
    protected void moveContents(Device device) {
        for (Parameter p : parameters()) p.to(device);
        releaseBuffers();
    }

    /** Trainable parameters, in a fixed order. */
    public List<Parameter> parameters() {
        return List.of();
    }

    /** Re-initialises the parameters from {@code rng} (no-op for layers without any). */
    public void resetParameters(SplittableRandom rng) {}

    /** Training mode (dropout active, state kept for backward) or evaluation mode. */
    public void train(boolean on) {
        training = on;
    }

    public final void eval() {
        train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    @Override
    public void close() {
        guard.enter(name, "close");
        try {
            if (closed) return;
            closed = true;
            closeContents();
            if (heldInput != null) heldInput.release();
            heldInput = null;
        } finally {
            guard.exit();
        }
    }

    /** Frees what the layer holds: its parameters and activation buffers. Containers add their children. */
    protected void closeContents() {
        for (Parameter p : parameters()) p.close();
        releaseBuffers();
    }

    /** Frees the layer's own activation buffers; called by close(). */
    protected void releaseBuffers() {}

    protected final void checkNotClosed() {
        if (closed) throw new IllegalStateException(name + ": layer is closed");
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /** Checks x is an open float32 tensor and returns this layer's output shape for it. */
    protected final long[] checkInput(Tensor x) {
        checkNotClosed();
        if (x == null) throw new IllegalArgumentException(name + ": input is null");
        x.checkOpen();
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": expected a FLOAT32 input, got " + x.dtype() + x.shapeString());
        }
        if (!x.device().equals(device) && !parameters().isEmpty()) {
            throw new IllegalArgumentException(name + ": input " + x.shapeString() + " is on " + x.device()
                    + " but the layer's parameters are on " + device + "; move one of them with to(" + x.device() + ")");
        }
        return outputShape(x.shape());
    }

    /** Checks dy matches the output of the last forward pass (which must have happened in training mode). */
    protected final void checkGradient(Tensor dy, Tensor lastInput, long[] expectedShape) {
        checkNotClosed();
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward() called without a forward() in training mode");
        }
        if (dy == null) throw new IllegalArgumentException(name + ": output gradient is null");
        dy.checkOpen();
        if (dy.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": expected a FLOAT32 output gradient, got " + dy.dtype() + dy.shapeString());
        }
        if (!dy.device().equals(lastInput.device())) {
            throw new IllegalArgumentException(name + ": output gradient is on " + dy.device()
                    + " but the last forward pass ran on " + lastInput.device());
        }
        if (!Arrays.equals(dy.shape(), expectedShape)) {
            throw new IllegalArgumentException(name + ": output gradient has shape " + dy.shapeString()
                    + " but the output of the last forward pass has shape " + Arrays.toString(expectedShape));
        }
    }

    /**
     * Returns {@code current} if it is open, on {@code device} and of the shape, else a fresh
     * layer-owned float32 tensor there.
     */
    protected static Tensor reuse(Tensor current, Device device, long[] shape) {
        return reuse(current, device, DType.FLOAT32, shape);
    }

    protected static Tensor reuse(Tensor current, Device device, DType dtype, long[] shape) {
        if (current != null && !current.isClosed() && current.dtype() == dtype && current.device().equals(device)
                && Arrays.equals(current.shape(), shape)) {
            return current;
        }
        if (current != null) current.close();
        return Tensor.emptyUnscoped(device, dtype, shape);
    }

    protected static void closeAll(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null) t.close();
        }
    }

    protected static String shape(long[] s) {
        return Arrays.toString(s);
    }

    @Override
    public String toString() {
        return name;
    }
}
