package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.abi.LinearDesc;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.Arrays;

/** Fully connected layer y = x W^T + b over [batch, in] input; W is [out, in] as in PyTorch. */
public final class Linear extends WeightedLayer {
    private final int inFeatures, outFeatures;
    private final LinearDesc desc = new LinearDesc(), normsDesc = new LinearDesc();
    private Tensor input;
    private Tensor output;
    private Tensor inputGrad;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        super("Linear", Conv2d.positive(inFeatures, "inFeatures"),
                new long[] {Conv2d.positive(outFeatures, "outFeatures"), inFeatures}, bias, outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        desc.in_features(inFeatures).out_features(outFeatures);
        normsDesc.in_features(inFeatures).out_features(outFeatures);
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 2 || in[1] != inFeatures) {
            throw new IllegalArgumentException(name() + ": expected input [batch, " + inFeatures + "], got shape " + shape(in)
                    + (in.length > 2 ? " (add a Flatten layer before it)" : ""));
        }
        return new long[] {in[0], outFeatures};
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] outShape = checkInput(x);
        desc.batch(outShape[0]);
        output = reuse(output, x.device(), outShape);
        Native.linearForward(x.device(), desc, x.address(), weight().value().address(), biasAddress(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        desc.batch(input.size(0));
        Native.linearBackwardWeight(dy.device(), desc, input.address(), dy.address(), weight().grad().address(), biasGradAddress(),
                beginGradWrite());
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(input));
        Native.linearBackwardData(dy.device(), desc, dy.address(), weight().value().address(), inputGrad.address());
        return inputGrad;
    }

    /**
     * dx = dy W: the gradient with respect to an input of dx's shape for output gradient {@code dy},
     * as a function: no layer state is read or written (per-sample gradients, for example).
     */
    public void inputGradient(Tensor dy, Tensor dx) {
        long[] out = checkInput(dx);
        if (dy == null || !dy.device().equals(dx.device()) || dy.dtype() != DType.FLOAT32 || !Arrays.equals(Shapes.of(dy), out)) {
            throw new IllegalArgumentException(name() + ".inputGradient: expected an output gradient FLOAT32" + shape(out) + " on "
                    + dx.device() + ", got " + (dy == null ? "null" : dy.dtype() + dy.shapeString() + " on " + dy.device()));
        }
        LinearDesc d = new LinearDesc().batch(out[0]).in_features(inFeatures).out_features(outFeatures);
        Native.linearBackwardData(dx.device(), d, dy.address(), weight().value().address(), dx.address());
    }

    /**
     * Adds each sample's squared gradient norm to {@code sq} (FLOAT32 [batch] on x's device), natively and without
     * per-sample gradients (the "ghost norm"): sample i's weight gradient is dy_i x_i^T, of squared norm
     * |dy_i|^2 |x_i|^2, and its bias gradient adds |dy_i|^2. For differential privacy; as a function: no layer state
     * is read or written.
     */
    public void perSampleSquaredNorms(Tensor x, Tensor dy, Tensor sq) {
        long[] out = checkInput(x);
        long batch = checkPerSampleNorms("perSampleSquaredNorms", x, out, dy, sq);
        if (batch == 0) return;
        normsDesc.batch(batch);
        Native.linearPerSampleSqNorms(x.device(), normsDesc, x.address(), dy.address(), bias() != null, sq.address());
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(" + inFeatures + ", " + outFeatures + (bias() == null ? ", bias=false" : "") + ")";
    }
}
