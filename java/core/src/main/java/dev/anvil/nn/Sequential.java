package dev.anvil.nn;

import dev.anvil.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Layers applied in order. Children are named by position ("0", "1", ...) or by the name they are
 * added under ({@link #add(String, Layer)}), and their parameters and buffers as "name.weight", as
 * in PyTorch's {@code nn.Sequential} (of an {@code OrderedDict} when named). A Sequential may hold
 * any layer, containers included; closing it closes every child.
 *
 * <p>Two rewrites keep the results and save memory traffic: a {@link BatchNorm} directly followed
 * by a {@link ReLU} runs as one fused pass, and a ReLU directly followed by a {@link MaxPool2d}
 * runs after the pooling (max and ReLU commute: both pick the same element, and the gradient
 * reaches it exactly when it is positive). {@link #executionOrder()} lists the layers as they run.
 */
public final class Sequential extends Layer {
    private final Chain chain = new Chain("Sequential");

    public Sequential(Layer... layers) {
        super("Sequential");
        for (Layer l : layers) add(l);
    }

    /** Appends a layer, named by its position; returns this. */
    public Sequential add(Layer layer) {
        return add(Integer.toString(chain.children().size()), layer);
    }

    /** Appends a layer under {@code name} ("conv1"; no dots), as PyTorch names a module's attributes; returns this. */
    public Sequential add(String name, Layer layer) {
        chain.add(name, layer);
        adopt(name, layer);
        return this;
    }

    @Override
    public List<Child> children() {
        return chain.children();
    }

    /** Folds this level's Conv2d + BatchNorm2d pairs (see {@link Fusion#foldBatchNorm}); returns how many. */
    void checkFoldable() {
        chain.checkFoldable();
    }

    int foldBatchNormHere() {
        List<Child[]> pairs = chain.foldBatchNorm();
        replaced(pairs);
        return pairs.size() / 2;
    }

    /** The layers in the order forward runs them (backward runs them in reverse); a ReLU fused into a BatchNorm is left out. */
    public List<Layer> executionOrder() {
        return chain.order();
    }

    public List<Layer> layers() {
        return chain.children().stream().map(Child::layer).toList();
    }

    @Override
    public long[] outputShape(long[] in) {
        return chain.outputShape(in);
    }

    @Override
    protected Tensor doForward(Tensor x) {
        checkInput(x); // fails before any kernel runs, naming the layer that does not fit
        return chain.forward(x);
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkNotClosed();
        return chain.backward(dy, needInputGrad);
    }

    /** Moves every child to {@code device}; returns this. */
    @Override
    public Sequential to(dev.anvil.Device device) {
        super.to(device);
        return this;
    }

    /** Clears every parameter gradient. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** A table of layers, output shapes and parameter counts for an input of the given shape. */
    public String summary(long... inputShape) {
        StringBuilder sb = new StringBuilder();
        String row = "%-56s %-20s %12s%n";
        sb.append(String.format(Locale.ROOT, row, "Layer", "Output shape", "Parameters"));
        sb.append("-".repeat(90)).append('\n');
        sb.append(String.format(Locale.ROOT, row, "input", Arrays.toString(inputShape), ""));
        long[] s = inputShape;
        for (Layer l : layers()) {
            s = l.outputShape(s);
            sb.append(String.format(Locale.ROOT, row, l.toString(), Arrays.toString(s), String.format(Locale.ROOT, "%,d", l.parameterCount())));
        }
        sb.append("-".repeat(90)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total parameters: %,d%n", parameterCount()));
        return sb.toString();
    }
}
