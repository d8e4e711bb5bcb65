package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.LinearDesc;
import dev.anvil.internal.Native;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Fully connected layer y = x W^T + b over [batch, in] input; W is [out, in] as in PyTorch. */
public final class Linear extends Layer {
    private final int inFeatures, outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private final LinearDesc desc = new LinearDesc();
    private Tensor input;
    private Tensor output;
    private Tensor inputGrad;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        super("Linear");
        this.inFeatures = Conv2d.positive(inFeatures, "inFeatures");
        this.outFeatures = Conv2d.positive(outFeatures, "outFeatures");
        this.weight = new Parameter("weight", outFeatures, inFeatures);
        this.bias = bias ? new Parameter("bias", outFeatures) : null;
        desc.in_features(inFeatures).out_features(outFeatures);
        resetParameters(Init.next());
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(2);
        ps.add(weight);
        if (bias != null) ps.add(bias);
        return ps;
    }

    @Override
    public void resetParameters(SplittableRandom rng) {
        Init.uniformFanIn(weight.value(), inFeatures, rng);
        if (bias != null) Init.uniformFanIn(bias.value(), inFeatures, rng);
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
    public Tensor forward(Tensor x) {
        long[] outShape = checkInput(x);
        desc.batch(outShape[0]);
        output = reuse(output, outShape);
        Native.linearForward(desc, x.address(), weight.value().address(), bias == null ? 0 : bias.value().address(),
                output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : output.shape());
        desc.batch(input.size(0));
        boolean accumulate = weight.beginGradWrite();
        if (bias != null) bias.beginGradWrite();
        Native.linearBackwardWeight(desc, input.address(), dy.address(), weight.grad().address(),
                bias == null ? 0 : bias.grad().address(), accumulate);
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, input.shape());
        Native.linearBackwardData(desc, dy.address(), weight.value().address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    public String toString() {
        return name() + "(" + inFeatures + ", " + outFeatures + (bias == null ? ", bias=false" : "") + ")";
    }
}
