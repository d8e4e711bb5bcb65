package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.abi.BatchnormDesc;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Batch normalisation over the channels (dimension 1) of its input, as PyTorch's BatchNorm: in
 * training each channel is normalised with the batch's mean and (biased) variance and the running
 * statistics are updated with momentum 0.1 and the unbiased variance; in evaluation the running
 * statistics are used. Parameters "weight" (gamma, 1) and "bias" (beta, 0) with {@code affine};
 * buffers "running_mean", "running_var" and "num_batches_tracked" (int64) with
 * {@code trackRunningStats}, named as in PyTorch's state dict. In training, a channel needs more
 * than one value (PyTorch refuses a batch of one without spatial extent, and so does this).
 *
 * <p>A BatchNorm directly followed by a ReLU in a {@link Sequential} or a {@link Residual} runs
 * fused: one pass computes max(batchnorm(x), 0), and its backward applies the ReLU's mask. The
 * BatchNorm that ends the main path of a {@link Residual} whose sum goes through a ReLU also takes
 * the shortcut's addition: one pass computes max(batchnorm(x) + shortcut, 0), and its backward
 * gives the shortcut's gradient too.
 */
public abstract class BatchNorm extends Layer {
    private final int features;
    private final double eps;
    private final double momentum;
    private final long[] channelShape; // [features], of the saved statistics
    private final BatchnormDesc desc = new BatchnormDesc();
    private final boolean trackRunningStats;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor runningMean;
    private Tensor runningVar;
    private Tensor batchesTracked;
    private long batches; // num_batches_tracked, kept here and written to its tensor when the state is read
    private boolean fusedRelu;
    private Tensor saveMean, saveInvstd, input, output, inputGrad;
    private Tensor reluMask; // the fused ReLU's mask, written in training for the backward pass (int32 words)
    private long[] reluMaskShape = {0};
    private Tensor residual; // what the next forward pass adds before its ReLU (set by a Residual block), or null
    private boolean residualAdded; // whether the last forward pass added one: its backward then gives residualGrad
    private Tensor residualGrad;

    BatchNorm(String kind, int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(kind);
        this.features = Conv2d.positive(features, "features");
        this.channelShape = new long[] {features};
        if (!(eps >= 0 && Double.isFinite(eps))) throw new IllegalArgumentException(kind + ": eps must be finite and >= 0, got " + eps);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException(kind + ": momentum must be in [0, 1], got " + momentum);
        this.eps = eps;
        this.momentum = momentum;
        desc.channels(features).eps((float) eps).momentum((float) momentum);
        this.trackRunningStats = trackRunningStats;
        this.weight = affine ? new Parameter("weight", features) : null;
        this.bias = affine ? new Parameter("bias", features) : null;
        if (trackRunningStats) {
            runningMean = Tensor.emptyUnscoped(DType.FLOAT32, features).zero();
            runningVar = Tensor.emptyUnscoped(DType.FLOAT32, features).fill(1f);
            batchesTracked = Tensor.emptyUnscoped(DType.INT64).zero();
        }
        resetOwnParameters(null);
    }

    /** The number of channels. */
    public int features() {
        return features;
    }

    /** The weight of a new batch in the running statistics. */
    public double momentum() {
        return momentum;
    }

    /** The epsilon added to the variance. */
    public double eps() {
        return eps;
    }

    /** Makes the forward pass apply a ReLU to its output (containers do this for a BatchNorm followed by a ReLU). */
    void fuseRelu() {
        fusedRelu = true;
        desc.relu(1);
    }

    /**
     * Makes the next forward pass compute max(batchnorm(x) + r, 0) (a {@link Residual} block's
     * addition and ReLU, fused); null undoes it. The block keeps r allocated during that pass.
     */
    void addBeforeRelu(Tensor r) {
        residual = r;
    }

    private static boolean sameShape(Tensor t, long[] shape) {
        if (t.dim() != shape.length) return false;
        for (int i = 0; i < shape.length; i++) if (t.size(i) != shape[i]) return false;
        return true;
    }

    /** The gradient reaching the residual of the last forward pass, from the backward pass after it. */
    Tensor residualGrad() {
        return residualGrad;
    }

    boolean tracksRunningStats() {
        return trackRunningStats;
    }

    boolean isReluFused() {
        return fusedRelu;
    }

    /**
     * The per-channel affine map this layer applies in evaluation mode, y = scale * x + shift, in
     * double: scale = gamma / sqrt(running_var + eps), shift = beta - running_mean * scale.
     */
    double[][] evalAffine() {
        float[] mean = runningMean.toFloatArray(), var = runningVar.toFloatArray();
        float[] gamma = weight == null ? null : weight.value().toFloatArray(), beta = weight == null ? null : bias.value().toFloatArray();
        double[] scale = new double[features], shift = new double[features];
        for (int c = 0; c < features; c++) {
            scale[c] = (gamma == null ? 1.0 : gamma[c]) / Math.sqrt((double) var[c] + desc.eps());
            shift[c] = (beta == null ? 0.0 : beta[c]) - mean[c] * scale[c];
        }
        return new double[][] {scale, shift};
    }

    @Override
    protected List<Parameter> ownParameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    protected Map<String, Tensor> ownBuffers() {
        if (!trackRunningStats) return Map.of();
        try (Tensor count = Tensor.ofLongs(new long[] {batches})) {
            batchesTracked.copyFrom(count);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("running_mean", runningMean);
        out.put("running_var", runningVar);
        out.put("num_batches_tracked", batchesTracked);
        return out;
    }

    @Override
    protected void onStateLoaded() {
        if (trackRunningStats) batches = batchesTracked.toLongArray()[0];
    }

    /** PyTorch's initialisation: gamma 1, beta 0 (the running statistics start at 0 and 1). */
    @Override
    protected void resetOwnParameters(SplittableRandom rng) {
        if (weight != null) {
            weight.value().fill(1f);
            bias.value().zero();
        }
    }

    @Override
    protected void moveBuffers(Device device) {
        if (!trackRunningStats) return;
        runningMean = moved(runningMean, device);
        runningVar = moved(runningVar, device);
        batchesTracked = moved(batchesTracked, device);
    }

    private static Tensor moved(Tensor t, Device device) {
        Tensor m = t.copyUnscoped(device);
        t.close();
        return m;
    }

    /** Checks the input's rank and channel count; returns the elements per channel and sample. */
    abstract long spatial(long[] in);

    @Override
    public long[] outputShape(long[] in) {
        spatial(in);
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] outShape = checkInput(x);
        long spatial = spatial(outShape);
        boolean batchStats = isTraining() || !trackRunningStats;
        if (batchStats && x.size(0) * spatial <= 1) {
            throw new IllegalArgumentException(name() + ": training needs more than one value per channel, got input "
                    + x.shapeString() + " (PyTorch refuses this too; use a larger batch, or eval())");
        }
        desc.batch(x.size(0)).spatial(spatial).training(batchStats ? 1 : 0);
        Device dev = x.device();
        output = reuse(output, dev, outShape);
        saveMean = reuse(saveMean, dev, channelShape);
        saveInvstd = reuse(saveInvstd, dev, channelShape);
        boolean update = isTraining() && trackRunningStats;
        Tensor r = residual;
        residual = null;
        residualAdded = false;
        if (r != null && (!sameShape(r, outShape) || r.device() != dev)) {
            throw new IllegalArgumentException(name() + ": the residual to add has shape " + r.shapeString() + " on " + r.device()
                    + " but the output is " + java.util.Arrays.toString(outShape) + " on " + dev);
        }
        boolean relu = fusedRelu || r != null;
        desc.relu(relu ? 1 : 0);
        // The backward pass reads the ReLU's mask, a bit an element, instead of the output.
        if (relu && isTraining()) {
            long words = (Native.batchNormReluMaskBytes(desc) + 3) / 4;
            if (reluMaskShape[0] != words) reluMaskShape = new long[] {words};
            reluMask = reuse(reluMask, dev, DType.INT32, reluMaskShape);
        }
        Native.batchNormForward(dev, desc, x.address(), r == null ? 0 : r.address(), weight == null ? 0 : weight.value().address(),
                bias == null ? 0 : bias.value().address(), trackRunningStats ? runningMean.address() : 0,
                trackRunningStats ? runningVar.address() : 0, saveMean.address(), saveInvstd.address(), output.address(),
                relu && isTraining() ? reluMask.address() : 0);
        residualAdded = r != null;
        if (update) batches++;
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
        if (residualAdded) residualGrad = reuse(residualGrad, dy.device(), Shapes.of(output));
        desc.relu(fusedRelu || residualAdded ? 1 : 0);
        Native.batchNormBackward(dy.device(), desc, input.address(), fusedRelu || residualAdded ? reluMask.address() : 0, dy.address(),
                weight == null ? 0 : weight.value().address(), saveMean.address(), saveInvstd.address(), inputGrad.address(),
                residualAdded ? residualGrad.address() : 0, weight == null ? 0 : weight.grad().address(),
                bias == null ? 0 : bias.grad().address(), accumulate);
        return needInputGrad ? inputGrad : null;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(saveMean, saveInvstd, output, inputGrad, residualGrad, reluMask);
        input = null;
        residualAdded = false;
    }

    @Override
    protected String describe() {
        return kind() + "(" + features + ", eps=" + desc.eps() + ", momentum=" + desc.momentum() + (weight == null ? ", affine=false" : "")
                + (trackRunningStats ? "" : ", track_running_stats=false") + (fusedRelu ? ", +ReLU" : "") + ")";
    }
}
