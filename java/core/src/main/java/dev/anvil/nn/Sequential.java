package dev.anvil.nn;

import dev.anvil.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Layers applied in order. Children are named by position ("0", "1", ...) or by the name they are
 * added under ({@link #add(String, Layer)}), and their parameters and buffers as "name.weight", as
 * in PyTorch's {@code nn.Sequential} (of an {@code OrderedDict} when named). A Sequential may hold
 * any layer, containers included; closing it closes every child.
 *
 * <p>A {@link ReLU} directly followed by a {@link MaxPool2d} runs as the pooling then the ReLU:
 * max and ReLU commute (both pick the same element, and the gradient reaches it exactly when it
 * is positive), so the result and the gradients are the same, and the ReLU touches a quarter of
 * the data of a 2x2 pooling. {@link #executionOrder()} lists the layers as they run.
 */
public final class Sequential extends Layer {
    private final List<Child> children = new ArrayList<>();
    private final List<Layer> executionOrder = new ArrayList<>();

    public Sequential(Layer... layers) {
        super("Sequential");
        for (Layer l : layers) add(l);
    }

    /** Appends a layer, named by its position; returns this. */
    public Sequential add(Layer layer) {
        return add(Integer.toString(children.size()), layer);
    }

    /** Appends a layer under {@code name} ("conv1"; no dots), as PyTorch names a module's attributes; returns this. */
    public Sequential add(String name, Layer layer) {
        if (layer == null) throw new IllegalArgumentException("Sequential: layer " + name + " is null");
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("Sequential: child name '" + name + "' must be non-empty and without dots");
        }
        for (Child c : children) {
            if (c.name().equals(name)) throw new IllegalArgumentException("Sequential: there is already a child named " + name);
            if (c.layer() == layer) throw new IllegalArgumentException("Sequential: " + layer.name() + " is already part of this model");
        }
        adopt(name, layer);
        children.add(new Child(name, layer));
        int last = executionOrder.size() - 1;
        if (layer instanceof MaxPool2d && last >= 0 && executionOrder.get(last) instanceof ReLU
                && children.get(children.size() - 2).layer() == executionOrder.get(last)) {
            executionOrder.add(last, layer);
        } else {
            executionOrder.add(layer);
        }
        return this;
    }

    @Override
    public List<Child> children() {
        return Collections.unmodifiableList(children);
    }

    /** The layers in the order forward runs them (backward runs them in reverse). */
    public List<Layer> executionOrder() {
        return Collections.unmodifiableList(executionOrder);
    }

    public List<Layer> layers() {
        return children.stream().map(Child::layer).toList();
    }

    @Override
    public long[] outputShape(long[] in) {
        long[] s = in;
        for (Child c : children) s = c.layer().outputShape(s);
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

    @Override
    protected String describe() {
        StringBuilder sb = new StringBuilder("Sequential(\n");
        for (Child c : children) sb.append("  ").append(c.layer()).append('\n');
        return sb.append(')').toString();
    }
}
