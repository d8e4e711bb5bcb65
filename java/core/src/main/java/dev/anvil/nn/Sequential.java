package dev.anvil.nn;

import dev.anvil.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Layers applied in order. Children are named by position ("0", "1", ...) and their
 * parameters as "index.name" ("0.weight"), as in PyTorch's {@code nn.Sequential}. Closing the
 * container closes every child.
 *
 * <p>A {@link ReLU} directly followed by a {@link MaxPool2d} runs as the pooling then the ReLU:
 * max and ReLU commute (both pick the same element, and the gradient reaches it exactly when it
 * is positive), so the result and the gradients are the same, and the ReLU touches a quarter of
 * the data of a 2x2 pooling. {@link #executionOrder()} lists the layers as they run.
 */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();
    private final List<Layer> executionOrder = new ArrayList<>();

    public Sequential(Layer... layers) {
        super("Sequential");
        for (Layer l : layers) add(l);
    }

    /** Appends a layer; returns this. */
    public Sequential add(Layer layer) {
        if (layer == null) throw new IllegalArgumentException("Sequential: layer is null");
        if (layer == this || layers.contains(layer)) {
            throw new IllegalArgumentException("Sequential: " + layer.name() + " is already part of this model");
        }
        layer.setName(layers.size() + ":" + layer.name());
        layer.train(isTraining());
        layers.add(layer);
        int last = executionOrder.size() - 1;
        if (layer instanceof MaxPool2d && last >= 0 && executionOrder.get(last) instanceof ReLU
                && layers.get(layers.size() - 2) == executionOrder.get(last)) {
            executionOrder.add(last, layer);
        } else {
            executionOrder.add(layer);
        }
        return this;
    }

    /** The layers in the order forward runs them (backward runs them in reverse). */
    public List<Layer> executionOrder() {
        return Collections.unmodifiableList(executionOrder);
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    @Override
    public long[] outputShape(long[] in) {
        long[] s = in;
        for (Layer l : layers) s = l.outputShape(s);
        return s;
    }

    @Override
    protected Tensor doForward(Tensor x) {
        checkInput(x); // fails before any kernel runs, naming the layer that does not fit
        Tensor y = x;
        for (Layer l : executionOrder) y = l.forward(y);
        return y;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkNotClosed();
        Tensor g = dy;
        for (int i = executionOrder.size() - 1; i >= 0; i--) g = executionOrder.get(i).backward(g, needInputGrad || i > 0);
        return g;
    }

    /** Parameters of every child, named "index.name", in layer order. */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (Layer l : layers) ps.addAll(l.parameters());
        return ps;
    }

    /** Parameters with their qualified names ("0.weight", "3.bias", ...), in layer order. */
    public List<NamedParameter> namedParameters() {
        List<NamedParameter> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) out.add(new NamedParameter(i + "." + p.name(), p));
        }
        return out;
    }

    /** A parameter and its name in the model. */
    public record NamedParameter(String name, Parameter parameter) {}

    @Override
    public void resetParameters(SplittableRandom rng) {
        for (Layer l : layers) l.resetParameters(rng.split());
    }

    /** Re-initialises every parameter from {@code seed}: same seed, same model. */
    public void resetParameters(long seed) {
        resetParameters(new SplittableRandom(seed));
    }

    /** Moves every child to {@code device}; returns this. */
    @Override
    public Sequential to(dev.anvil.Device device) {
        super.to(device);
        return this;
    }

    @Override
    protected void moveContents(dev.anvil.Device device) {
        for (Layer l : layers) l.to(device);
    }

    @Override
    public void train(boolean on) {
        super.train(on);
        for (Layer l : layers) l.train(on);
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
        for (Layer l : layers) {
            s = l.outputShape(s);
            sb.append(String.format(Locale.ROOT, row, l.toString(), Arrays.toString(s), String.format(Locale.ROOT, "%,d", l.parameterCount())));
        }
        sb.append("-".repeat(90)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total parameters: %,d%n", parameterCount()));
        return sb.toString();
    }

    /** Closes every child. */
    @Override
    protected void closeContents() {
        for (Layer l : layers) l.close();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Sequential(\n");
        for (Layer l : layers) sb.append("  ").append(l).append('\n');
        return sb.append(')').toString();
    }
}
