package dev.anvil.privacy;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.nn.BatchNorm;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.GroupNorm;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Per-sample gradient clipping for a {@link Sequential} model: one forward pass, then a backward pass
 * that computes each sample's gradient norm without keeping per-sample gradients, then the parameter
 * gradients of the clipped per-sample gradients, summed (Opacus's per-sample clipping, before noise).
 *
 * <p>How each layer's per-sample norm is found:
 * <ul>
 *   <li>{@link Linear}: from its input x and output gradient g alone ("ghost norm",
 *       Goodfellow 2015): the weight gradient of sample i is g_i x_i^T, whose squared Frobenius norm is
 *       |g_i|^2 |x_i|^2; the bias adds |g_i|^2 (the native {@link Linear#perSampleSquaredNorms}).</li>
 *   <li>{@link Conv2d}: the native {@link Conv2d#perSampleSquaredNorms}, in one call for the batch: each
 *       sample's weight gradient formed in a per-thread scratch buffer and its squares summed, or the ghost
 *       norm where that is cheaper ({@link Conv2d#ghostNormWins}: few output positions).</li>
 *   <li>{@link GroupNorm}: normalises each sample alone, so its per-channel gradients
 *       (sum of g x-hat and of g over the channel) are computed per sample (the native
 *       {@link GroupNorm#perSampleSquaredNorms}).</li>
 *   <li>Element-wise activations, pooling, Flatten, Dropout, Identity, softmax: no parameters and no mixing of
 *       samples; they only pass gradients back.</li>
 * </ul>
 * Then the clipped sum: the backward pass is linear in the output gradient and each sample's rows of
 * every layer's output gradient depend only on that sample, so scaling sample i's rows by its clip factor
 * c_i = min(1, C / (norm_i + 1e-6)) and recomputing only the weight gradients gives sum_i c_i grad_i
 * exactly. The input gradients of the first pass come from the native data-gradient kernels directly,
 * so no weight gradient is computed twice for Linear and Conv2d. Every norm is computed on the tensors'
 * device; only the batch's norms (one float per sample) come back to the host.
 *
 * <p>Layers that mix samples ({@link BatchNorm}) and layers this class does not know (containers other than
 * Sequential, plugins) are refused by the constructor, before training.
 */
public final class PerSampleClipper implements AutoCloseable {
    /** Layers without parameters that treat each sample alone. */
    private static final Set<String> PASS_THROUGH = Set.of("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh",
            "Hardswish", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Dropout", "Identity", "Softmax", "LogSoftmax");

    private final Sequential model;
    private final List<Layer> layers;
    private final Tensor[] inputs;
    private final Tensor[] outputGrads;
    private final Tensor[] dataGrads; // input gradients of Linear/Conv2d computed here, owned by this object
    private Tensor sqNorms; // [batch] on the model's device: every layer's per-sample squared norms, added up natively
    private double[] lastNorms = new double[0];
    private int lastBatch = -1;

    /**
     * @throws UnsupportedLayerException naming every layer that cannot be clipped per sample, and what to use instead
     */
    public PerSampleClipper(Sequential model) {
        if (model == null) throw new IllegalArgumentException("model is null");
        this.model = model;
        this.layers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        flatten(model, layers, problems);
        if (!problems.isEmpty()) {
            throw new UnsupportedLayerException("differentially private training cannot use " + String.join("; ", problems));
        }
        this.inputs = new Tensor[layers.size()];
        this.outputGrads = new Tensor[layers.size()];
        this.dataGrads = new Tensor[layers.size()];
    }

    /** Checks a model without building anything: the message of {@link UnsupportedLayerException}, or null when supported. */
    public static String check(Layer model) {
        List<String> problems = new ArrayList<>();
        if (!(model instanceof Sequential)) return "the model must be a Sequential, got " + model.kind();
        flatten((Sequential) model, new ArrayList<>(), problems);
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static void flatten(Sequential s, List<Layer> out, List<String> problems) {
        for (Layer l : s.layers()) {
            if (l instanceof Sequential inner) {
                flatten(inner, out, problems);
            } else if (l instanceof BatchNorm) {
                problems.add(l.name() + ": BatchNorm mixes the samples of a batch (its statistics make every sample's output "
                        + "depend on the others), so per-sample gradients do not exist; use GroupNorm instead "
                        + "(for example new GroupNorm(8, channels)), which normalises each sample alone");
            } else if (l instanceof Linear || l instanceof Conv2d || l instanceof GroupNorm || PASS_THROUGH.contains(l.kind())) {
                out.add(l);
            } else {
                problems.add(l.name() + ": per-sample clipping does not support " + l.kind() + " layers (supported: Linear, Conv2d, "
                        + "GroupNorm, element-wise activations, pooling, Flatten, Dropout, Identity, Softmax, nested Sequential)");
            }
        }
    }

    public Sequential model() {
        return model;
    }

    /** The model's layers in the order they run, nested Sequentials flattened. */
    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    /** The forward pass in training mode, keeping each layer's input for the per-sample norms. */
    public Tensor forward(Tensor x) {
        if (x == null) throw new IllegalArgumentException("input is null");
        if (!model.isTraining()) throw new IllegalStateException("the model is in evaluation mode; call model.train(true) before a private step");
        for (int l = 0; l < layers.size(); l++) {
            inputs[l] = x;
            x = layers.get(l).forward(x);
        }
        lastBatch = (int) inputs[0].size(0);
        return x;
    }

    /**
     * Given the gradient of the <em>sum</em> of the per-sample losses with respect to the output of the last
     * {@link #forward} (for a mean loss: its gradient times the batch size), writes sum_i min(1, C/|g_i|) g_i
     * into every parameter's gradient and returns the per-sample gradient norms |g_i| before clipping.
     * The output gradient may be changed.
     */
    public double[] clipAndAccumulate(Tensor outputGrad, double maxGradNorm) {
        if (!(maxGradNorm > 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("max_grad_norm must be finite and > 0, got " + maxGradNorm);
        }
        if (lastBatch < 0) throw new IllegalStateException("clipAndAccumulate() called before forward()");
        if (outputGrad == null || outputGrad.size(0) != lastBatch) {
            throw new IllegalArgumentException("output gradient must have the batch size " + lastBatch + " of the last forward pass");
        }
        int batch = lastBatch;
        sqNorms = reuse(sqNorms, outputGrad.device(), new long[] {batch});
        sqNorms.zero();
        // Pass 1: backward for the input gradients, adding each layer's per-sample squared norms.
        Tensor dy = outputGrad;
        for (int l = layers.size() - 1; l >= 0; l--) {
            Layer layer = layers.get(l);
            outputGrads[l] = dy;
            boolean needDx = l > 0;
            if (layer instanceof Linear lin) {
                lin.perSampleSquaredNorms(inputs[l], dy, sqNorms);
                dy = needDx ? linearDataGrad(l, lin, dy) : null;
            } else if (layer instanceof Conv2d conv) {
                conv.perSampleSquaredNorms(inputs[l], dy, sqNorms);
                dy = needDx ? convDataGrad(l, conv, dy) : null;
            } else {
                if (layer instanceof GroupNorm gn && gn.weight() != null) gn.perSampleSquaredNorms(inputs[l], dy, sqNorms);
                dy = layer.backward(dy, needDx);
            }
        }
        float[] sq = sqNorms.toFloatArray();
        double[] norms = new double[batch];
        for (int i = 0; i < batch; i++) norms[i] = Math.sqrt(sq[i]);
        // Pass 2: scale each sample's output-gradient rows by its clip factor, recompute the parameter gradients.
        // Forward order: GroupNorm's backward rewrites its input gradient, which the layer before it has then used.
        float[] factors = new float[batch];
        for (int i = 0; i < batch; i++) factors[i] = (float) Math.min(1.0, maxGradNorm / (norms[i] + 1e-6));
        for (Parameter p : model.parameters()) p.zeroGrad();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            if (layer.parameters().isEmpty()) continue;
            Tensor g = outputGrads[l];
            scaleRows(g, factors);
            layer.backward(g, false);
        }
        this.lastNorms = norms;
        return norms.clone();
    }

    /** The per-sample norms of the last {@link #clipAndAccumulate}. */
    public double[] lastNorms() {
        return lastNorms.clone();
    }

    // ------------------------------------------------------------------ per layer

    private Tensor linearDataGrad(int l, Linear lin, Tensor dy) {
        Tensor x = inputs[l];
        Tensor dx = reuse(dataGrads[l], x.device(), x.shape());
        dataGrads[l] = dx;
        lin.inputGradient(dy, dx);
        return dx;
    }

    private Tensor convDataGrad(int l, Conv2d conv, Tensor dy) {
        Tensor x = inputs[l];
        Tensor dx = reuse(dataGrads[l], x.device(), x.shape());
        dataGrads[l] = dx;
        conv.inputGradient(dy, dx);
        return dx;
    }

    /** Multiplies row i (sample i) of {@code t} by {@code factors[i]}. */
    static void scaleRows(Tensor t, float[] factors) {
        for (int i = 0; i < factors.length; i++) {
            if (factors[i] != 1f) t.narrow(0, i, 1).scale(factors[i]);
        }
    }

    private static Tensor reuse(Tensor current, Device device, long[] shape) {
        if (current != null && !current.isClosed() && current.device().equals(device)
                && java.util.Arrays.equals(current.shape(), shape)) {
            return current;
        }
        if (current != null) current.close();
        return Tensor.emptyUnscoped(device, DType.FLOAT32, shape);
    }

    @Override
    public void close() {
        for (int l = 0; l < dataGrads.length; l++) {
            if (dataGrads[l] != null) dataGrads[l].close();
            dataGrads[l] = null;
        }
        if (sqNorms != null) sqNorms.close();
        java.util.Arrays.fill(inputs, null);
        java.util.Arrays.fill(outputGrads, null);
    }
}
