package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;

/** max(x, 0), element-wise; backward uses the output, so the input may be freed after forward. */
public final class ReLU extends Layer {
    private Tensor output;
    private Tensor inputGrad;
    private boolean haveOutput;

    public ReLU() {
        super("ReLU");
    }

    @Override
    public long[] outputShape(long[] in) {
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        output = reuse(output, x.device(), shape);
        Native.reluForward(x.device(), x.numel(), x.address(), output.address());
        haveOutput = isTraining();
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, haveOutput ? output : null, output == null ? null : Shapes.of(output));
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(output));
        Native.reluBackward(dy.device(), output.numel(), output.address(), dy.address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
    }
}
