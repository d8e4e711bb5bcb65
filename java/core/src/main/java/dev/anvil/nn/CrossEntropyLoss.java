package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.abi.CrossEntropyDesc;
import dev.anvil.internal.Native;

/**
 * Softmax cross-entropy between logits [batch, classes] and int32 class labels [batch], averaged
 * over the batch: PyTorch's {@code nn.CrossEntropyLoss} with the default mean reduction and its
 * options {@code weight} (per-class weights; the mean is then weighted by the labels' weights),
 * {@code ignore_index} (default -100: samples with that label add nothing; a batch of only such
 * samples gives NaN, as in PyTorch) and {@code label_smoothing}. Any other label outside
 * [0, classes) is an error naming the sample.
 */
public final class CrossEntropyLoss extends Loss {
    private final float[] weight;
    private final CrossEntropyDesc desc = new CrossEntropyDesc();
    private Tensor weightTensor;

    /** Plain cross-entropy: no class weights, ignore_index -100, no label smoothing. */
    public CrossEntropyLoss() {
        this(builder());
    }

    private CrossEntropyLoss(Builder b) {
        super("CrossEntropyLoss");
        this.weight = b.weight;
        desc.label_smoothing(b.labelSmoothing).ignore_index(b.ignoreIndex);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void check(Tensor logits, Tensor labels) {
        if (logits.dim() != 2 || logits.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected FLOAT32 logits [batch, classes], got "
                    + logits.dtype() + logits.shapeString());
        }
        if (labels.dim() != 1 || labels.dtype() != DType.INT32 || labels.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected INT32 labels [" + logits.size(0) + "] for logits "
                    + logits.shapeString() + ", got " + labels.dtype() + labels.shapeString());
        }
        if (weight != null && weight.length != logits.size(1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: " + weight.length + " class weights for logits "
                    + logits.shapeString() + " (" + logits.size(1) + " classes)");
        }
    }

    @Override
    protected float compute(Tensor logits, Tensor labels) {
        desc.batch(logits.size(0)).classes(logits.size(1));
        return Native.softmaxCrossEntropyForward(logits.device(), desc, logits.address(), labels.address(), weightAddress(logits.device()));
    }

    @Override
    protected void computeGradient(Tensor logits, Tensor labels, Tensor gradient) {
        desc.batch(logits.size(0)).classes(logits.size(1));
        Native.softmaxCrossEntropyBackward(logits.device(), desc, logits.address(), labels.address(), weightAddress(logits.device()), 1f,
                gradient.address());
    }

    /** The class weights on the logits' device (copied there once), or 0 without weights. */
    private long weightAddress(Device device) {
        if (weight == null) return 0;
        if (weightTensor == null || !weightTensor.device().equals(device)) {
            if (weightTensor != null) weightTensor.close();
            weightTensor = null;
            Tensor t = Tensor.emptyUnscoped(device, DType.FLOAT32, weight.length);
            t.copyFrom(weight);
            weightTensor = t;
        }
        return weightTensor.address();
    }

    @Override
    protected void closeResources() {
        if (weightTensor != null) weightTensor.close();
        weightTensor = null;
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(" + (weight == null ? "" : "weight=" + java.util.Arrays.toString(weight) + ", ") + "ignore_index="
                + desc.ignore_index() + ", label_smoothing=" + desc.label_smoothing() + ")";
    }

    /** PyTorch's constructor arguments, by name. */
    public static final class Builder {
        private float[] weight;
        private int ignoreIndex = -100;
        private float labelSmoothing;

        private Builder() {}

        /** Per-class weights (finite, >= 0; one per class, at least one positive), or null for none. */
        public Builder weight(float... weight) {
            if (weight != null) {
                boolean positive = false;
                for (int k = 0; k < weight.length; k++) {
                    if (!(weight[k] >= 0 && Float.isFinite(weight[k]))) {
                        throw new IllegalArgumentException("CrossEntropyLoss: weight[" + k + "] must be finite and >= 0, got " + weight[k]);
                    }
                    positive |= weight[k] > 0;
                }
                if (!positive) throw new IllegalArgumentException("CrossEntropyLoss: weight needs at least one positive class weight");
            }
            this.weight = weight == null ? null : weight.clone();
            return this;
        }

        /** The label whose samples are left out of the loss and its mean (default -100). */
        public Builder ignoreIndex(int ignoreIndex) {
            this.ignoreIndex = ignoreIndex;
            return this;
        }

        /** The share s of each target spread uniformly over the classes, in [0, 1] (default 0). */
        public Builder labelSmoothing(double labelSmoothing) {
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + labelSmoothing);
            }
            this.labelSmoothing = (float) labelSmoothing;
            return this;
        }

        public CrossEntropyLoss build() {
            return new CrossEntropyLoss(this);
        }
    }
}
