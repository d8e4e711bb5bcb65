package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;

/**
 * An element-wise activation of anvil.h's {@code anvil_activation} family: any input shape, the
 * output of the same shape; backward uses the forward pass's input and output.
 */
abstract class ElementwiseActivation extends Layer {
    private final int kind;
    private final float alpha;
    private Tensor input, output, inputGrad;

    /** {@code kind}: an {@code ANVIL_ACT_*} constant; {@code alpha}: its parameter (ignored by those without one). */
    ElementwiseActivation(String name, int kind, float alpha) {
        super(name);
        if (!Float.isFinite(alpha)) throw new IllegalArgumentException(name + ": parameter must be finite, got " + alpha);
        this.kind = kind;
        this.alpha = alpha;
    }

    @Override
    public long[] outputShape(long[] in) {
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        output = reuse(output, x.device(), shape);
        Native.activationForward(x.device(), kind, alpha, x.numel(), x.address(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(input));
        Native.activationBackward(dy.device(), kind, alpha, dy.numel(), input.address(), output.address(), dy.address(),
                inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }
}
