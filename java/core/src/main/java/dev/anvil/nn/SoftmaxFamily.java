package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;

/**
 * Softmax or log-softmax along one dimension, which must be the input's last (a classifier's
 * [batch, classes] logits, a sequence's last axis); a negative dim counts from the end, as in
 * PyTorch. Backward uses the forward pass's output only.
 */
abstract class SoftmaxFamily extends Layer {
    private final boolean log;
    private final int dim;
    private Tensor input, output, inputGrad;

    SoftmaxFamily(String kind, boolean log, int dim) {
        super(kind);
        this.log = log;
        this.dim = dim;
    }

    @Override
    public long[] outputShape(long[] in) {
        int d = dim < 0 ? dim + in.length : dim;
        if (in.length == 0 || d != in.length - 1) {
            throw new IllegalArgumentException(name() + ": dim " + dim + " of input " + shape(in)
                    + " is not its last dimension; only the last one is supported (move the axis there first)");
        }
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        long cols = shape[shape.length - 1];
        output = reuse(output, x.device(), shape);
        if (x.numel() > 0) Native.softmaxForward(x.device(), x.numel() / cols, cols, log, x.address(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(output));
        long cols = output.size(output.dim() - 1);
        if (dy.numel() > 0) {
            Native.softmaxBackward(dy.device(), dy.numel() / cols, cols, log, output.address(), dy.address(), inputGrad.address());
        }
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(dim=" + dim + ")";
    }
}
