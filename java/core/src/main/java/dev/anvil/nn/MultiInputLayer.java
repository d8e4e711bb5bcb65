package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.internal.Shapes;
import java.util.Arrays;

/**
 * A layer of one or more inputs, y = f(x_1, ..., x_n): a fused add + ReLU of a residual block, a
 * plug-in op of several inputs. It has everything a {@link Layer} has (parameters in
 * {@link #namedParameters()} and the state dict, {@link #to}, {@link #close}, training mode) and
 * takes part in automatic backward as a container's merge step: {@link Residual.Builder#merge} puts
 * a two-input layer in place of a residual block's addition.
 *
 * <p>{@link #forward(Tensor[])} computes the output from all inputs, {@link #backwardInputs}
 * gives the gradient of every input (and adds to the parameters' gradients). Both return tensors
 * and arrays that belong to the layer and are reused by the next call (no allocation per step). A
 * layer of one input also works as an ordinary layer ({@link #forward(Tensor)}, in a
 * {@link Sequential}); one of several inputs refuses the one-input calls.
 */
public abstract class MultiInputLayer extends Layer {
    private final Tensor[] single = new Tensor[1];
    private final Tensor[] pair = new Tensor[2];
    private Tensor[] held; // retained since the last training forward pass: backward reads them
    private long[][] memoIn; // the input shapes of the last checkInputs (the tensors' own arrays)
    private long[] memoOut;

    protected MultiInputLayer(String kind) {
        super(kind);
    }

    /** Number of inputs, >= 1. */
    public abstract int numInputs();

    /** Output shape for inputs of the given shapes (one per input); throws IllegalArgumentException if invalid. */
    public abstract long[] outputShape(long[][] inputShapes);

    /** For a layer of one input; a layer of several refuses, naming how many it takes. */
    @Override
    public final long[] outputShape(long[] inputShape) {
        requireOneInput("outputShape");
        return outputShape(new long[][] {inputShape});
    }

    /**
     * Computes the output from {@code inputs} (one tensor per input, in order); in training mode the
     * inputs stay allocated until the next forward pass, for backward. The array is read, not kept.
     */
    public final Tensor forward(Tensor[] inputs) {
        enterUse("forward");
        try {
            if (inputs == null) throw new IllegalArgumentException(name() + ": inputs is null");
            if (inputs.length != numInputs()) {
                throw new IllegalArgumentException(name() + ": takes " + numInputs() + " input(s), got " + inputs.length);
            }
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] == null) throw new IllegalArgumentException(name() + ": input " + i + " is null");
            }
            int retained = 0;
            try {
                for (; retained < inputs.length; retained++) retainArgument(inputs[retained], "an input");
                releaseHeld();
                keptForward(false);
                Tensor y = forwardInputs(inputs);
                if (isTraining()) {
                    if (held == null) held = new Tensor[inputs.length];
                    System.arraycopy(inputs, 0, held, 0, inputs.length);
                    keptForward(true);
                    retained = 0;
                }
                return y;
            } finally {
                for (int i = 0; i < retained; i++) inputs[i].release();
            }
        } finally {
            exitUse();
        }
    }

    /** {@link #forward(Tensor[])} of a two-input layer, without an array per call. */
    public final Tensor forward(Tensor a, Tensor b) {
        pair[0] = a;
        pair[1] = b;
        try {
            return forward(pair);
        } finally {
            pair[0] = pair[1] = null;
        }
    }

    /**
     * The gradient of every input, given the gradient of the output of the last training forward
     * pass; adds (or writes, after zeroGrad) the parameters' gradients. The array and its tensors
     * belong to the layer.
     */
    public final Tensor[] backwardInputs(Tensor dy) {
        enterUse("backward");
        try {
            checkForwardThread();
            retainArgument(dy, "output gradient");
            try {
                return backwardAll(dy);
            } finally {
                dy.release();
            }
        } finally {
            exitUse();
        }
    }

    /** The forward pass over all inputs; {@link #forward(Tensor[])} has checked their number and keeps them allocated. */
    protected abstract Tensor forwardInputs(Tensor[] inputs);

    /** The backward pass: every input's gradient; {@link #backwardInputs} keeps dy allocated. */
    protected abstract Tensor[] backwardAll(Tensor dy);

    @Override
    protected final Tensor doForward(Tensor x) {
        requireOneInput("forward");
        single[0] = x;
        try {
            return forwardInputs(single);
        } finally {
            single[0] = null;
        }
    }

    @Override
    protected final Tensor doBackward(Tensor dy, boolean needInputGrad) {
        requireOneInput("backward");
        Tensor[] grads = backwardAll(dy);
        return needInputGrad ? grads[0] : null;
    }

    /**
     * Checks every input is an open float32 tensor on one device (the parameters' when the layer
     * has any) and returns the output shape for their shapes: the same array as long as the input
     * shapes stay the same (no allocation per step); never modify it.
     */
    protected final long[] checkInputs(Tensor[] inputs) {
        checkNotClosed();
        boolean same = memoIn != null;
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            if (x == null) throw new IllegalArgumentException(name() + ": input " + i + " is null");
            x.checkOpen();
            if (x.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(name() + ": expected FLOAT32 inputs, got " + x.dtype() + x.shapeString()
                        + " as input " + i);
            }
            if (!x.device().equals(inputs[0].device())) {
                throw new IllegalArgumentException(name() + ": input 0 is on " + inputs[0].device() + " but input " + i
                        + " is on " + x.device());
            }
            long[] s = Shapes.of(x);
            if (same && s != memoIn[i] && !Arrays.equals(s, memoIn[i])) same = false;
        }
        if (!inputs[0].device().equals(device()) && !ownParameters().isEmpty()) {
            throw new IllegalArgumentException(name() + ": inputs are on " + inputs[0].device()
                    + " but the layer's parameters are on " + device() + "; move one of them with to(" + inputs[0].device() + ")");
        }
        if (!same) {
            long[][] shapes = new long[inputs.length][];
            for (int i = 0; i < inputs.length; i++) shapes[i] = Shapes.of(inputs[i]);
            memoOut = outputShape(shapes);
            memoIn = shapes;
        }
        return memoOut;
    }

    private void releaseHeld() {
        if (held == null) return;
        for (int i = 0; i < held.length; i++) {
            if (held[i] != null) held[i].release();
            held[i] = null;
        }
    }

    /** Releases the inputs kept for backward; subclasses that hold buffers call this from their override. */
    @Override
    protected void releaseBuffers() {
        releaseHeld();
    }

    private void requireOneInput(String call) {
        if (numInputs() != 1) {
            throw new IllegalStateException(name() + ": takes " + numInputs() + " inputs; call " + call
                    + " with all of them (forward(Tensor[]), backwardInputs), or use it as a container's merge step");
        }
    }
}
