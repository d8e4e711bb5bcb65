package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.abi.GroupnormDesc;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Group normalisation (Wu and He 2018; PyTorch's {@code nn.GroupNorm(num_groups, num_channels)}):
 * the channels of [N, C, *] input fall into groups, each sample's group is normalised with its own
 * statistics, then scaled and shifted per channel ("weight" 1 and "bias" 0 with {@code affine}).
 * It never mixes samples, so it works on a batch of one and with per-sample gradients (differential
 * privacy), where BatchNorm cannot.
 */
public final class GroupNorm extends Layer {
    private long[] statsShape = {0, 0}; // [batch, groups] of the saved statistics, made again when the batch changes
    private final int groups, channels;
    private final double eps;
    private final GroupnormDesc desc = new GroupnormDesc(), normsDesc = new GroupnormDesc();
    private final Parameter weight, bias;
    private Tensor input, output, inputGrad, saveMean, saveInvstd;

    /** eps 1e-5, affine: PyTorch's defaults. */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        super("GroupNorm");
        this.groups = Conv2d.positive(numGroups, "num_groups");
        this.channels = Conv2d.positive(numChannels, "num_channels");
        if (numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: num_channels " + numChannels + " must be divisible by num_groups " + numGroups);
        }
        if (!(eps >= 0 && Double.isFinite(eps))) throw new IllegalArgumentException("GroupNorm: eps must be finite and >= 0, got " + eps);
        this.eps = eps;
        desc.channels(numChannels).groups(numGroups).eps((float) eps);
        normsDesc.channels(numChannels).groups(numGroups).eps((float) eps);
        this.weight = affine ? new Parameter("weight", numChannels) : null;
        this.bias = affine ? new Parameter("bias", numChannels) : null;
        resetOwnParameters(null);
    }

    public int numGroups() {
        return groups;
    }

    public int numChannels() {
        return channels;
    }

    /** The epsilon added to the variance. */
    public double eps() {
        return eps;
    }

    /** The per-channel scale, or null without affine parameters. */
    public Parameter weight() {
        return weight;
    }

    /** The per-channel shift, or null without affine parameters. */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected List<Parameter> ownParameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    protected void resetOwnParameters(SplittableRandom rng) {
        if (weight != null) {
            weight.value().fill(1f);
            bias.value().zero();
        }
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length < 2 || in[1] != channels) {
            throw new IllegalArgumentException(name() + ": expected input [batch, " + channels + ", ...], got shape " + shape(in));
        }
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        long spatial = x.numel() / (shape[0] * channels);
        desc.batch(shape[0]).spatial(spatial);
        output = reuse(output, x.device(), shape);
        if (statsShape[0] != shape[0]) statsShape = new long[] {shape[0], groups};
        saveMean = reuse(saveMean, x.device(), statsShape);
        saveInvstd = reuse(saveInvstd, x.device(), statsShape);
        Native.groupNormForward(x.device(), desc, x.address(), weight == null ? 0 : weight.value().address(),
                bias == null ? 0 : bias.value().address(), saveMean.address(), saveInvstd.address(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        boolean accumulate = false;
        if (weight != null) {
            accumulate = weight.beginGradWrite();
            if (bias.beginGradWrite() != accumulate) {
                throw new IllegalStateException(name() + ": weight and bias gradients were zeroed separately");
            }
        }
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(input));
        Native.groupNormBackward(dy.device(), desc, input.address(), dy.address(), weight == null ? 0 : weight.value().address(),
                saveMean.address(), saveInvstd.address(), inputGrad.address(), weight == null ? 0 : weight.grad().address(),
                bias == null ? 0 : bias.grad().address(), accumulate);
        return needInputGrad ? inputGrad : null;
    }

    /**
     * Adds each sample's squared norm of the weight and bias gradients to {@code sq} (FLOAT32 [batch] on x's device),
     * natively: per channel, sample i's gradients are the sums of dy * xhat and of dy over the channel (xhat
     * normalised with sample i's own group statistics, recomputed from x). For differential privacy; as a function:
     * no layer state is read or written.
     *
     * @throws IllegalStateException without affine parameters (there is no gradient)
     */
    public void perSampleSquaredNorms(Tensor x, Tensor dy, Tensor sq) {
        if (weight == null) throw new IllegalStateException(name() + ": no affine parameters, so no per-sample gradient norms");
        long[] out = checkInput(x);
        long batch = checkPerSampleNorms("perSampleSquaredNorms", x, out, dy, sq);
        if (batch == 0) return;
        normsDesc.batch(batch).spatial(x.numel() / (batch * channels));
        Native.groupNormPerSampleSqNorms(x.device(), normsDesc, x.address(), dy.address(), sq.address());
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad, saveMean, saveInvstd);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(" + groups + ", " + channels + ", eps=" + desc.eps() + (weight == null ? ", affine=false" : "") + ")";
    }
}
