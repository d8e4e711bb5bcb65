package dev.anvil.nn;

import dev.anvil.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Named layers run one after another, and the plan they run by: the path of a {@link Sequential}
 * and the main path of a {@link Residual}. Two rewrites keep the results and save memory traffic:
 * a BatchNorm followed by a ReLU runs as one fused pass (the ReLU is then skipped), and a ReLU
 * followed by a 2-D max pooling runs after the pooling (max and ReLU commute, and the ReLU then
 * touches a quarter of the data).
 */
final class Chain {
    private final String owner;
    private final List<Layer.Child> children = new ArrayList<>();
    private final List<Layer> order = new ArrayList<>();
    // Read-only views, made once: containers hand them out on every step (train(), forward).
    private final List<Layer.Child> childrenView = Collections.unmodifiableList(children);
    private final List<Layer> orderView = Collections.unmodifiableList(order);

    Chain(String owner) {
        this.owner = owner;
    }

    /** Checks and appends a child; the container adopts it. */
    void add(String name, Layer layer) {
        checkNewChild(owner, children, name, layer);
        Layer previous = children.isEmpty() ? null : children.get(children.size() - 1).layer();
        children.add(new Layer.Child(name, layer));
        int last = order.size() - 1;
        if (layer instanceof ReLU && previous instanceof BatchNorm bn && last >= 0 && order.get(last) == bn && !bn.isReluFused()) {
            bn.fuseRelu();
        } else if (layer instanceof MaxPool2d && last >= 0 && order.get(last) instanceof ReLU && previous == order.get(last)) {
            order.add(last, layer);
        } else {
            order.add(layer);
        }
    }

    /**
     * Replaces each Conv2d directly followed by a BatchNorm2d by the convolution with the
     * normalisation folded in, and the BatchNorm by an Identity (inference only; the plan keeps its
     * shape: a ReLU the BatchNorm had fused runs in its place). Returns the children replaced,
     * each with its replacement, for the container to adopt the new ones and close the old.
     */
    List<Layer.Child[]> foldBatchNorm() {
        List<Layer.Child[]> replaced = new ArrayList<>();
        for (int i = 0; i + 1 < children.size(); i++) {
            if (!(children.get(i).layer() instanceof Conv2d conv) || !(children.get(i + 1).layer() instanceof BatchNorm2d bn)) continue;
            checkFoldable(bn);
            Layer.Child convChild = children.get(i), bnChild = children.get(i + 1);
            Conv2d folded = conv.foldedWith(bn);
            Identity identity = new Identity();
            Layer.Child newConv = new Layer.Child(convChild.name(), folded), newBn = new Layer.Child(bnChild.name(), identity);
            children.set(i, newConv);
            children.set(i + 1, newBn);
            order.set(order.indexOf(conv), folded);
            // A fused ReLU is the next child, which the plan skipped: it runs where the BatchNorm ran.
            order.set(order.indexOf(bn), bn.isReluFused() ? children.get(i + 2).layer() : identity);
            replaced.add(new Layer.Child[] {convChild, newConv});
            replaced.add(new Layer.Child[] {bnChild, newBn});
        }
        return replaced;
    }

    /** Throws unless every BatchNorm2d that follows a Conv2d here can be folded (before anything changes). */
    void checkFoldable() {
        for (int i = 0; i + 1 < children.size(); i++) {
            if (children.get(i).layer() instanceof Conv2d && children.get(i + 1).layer() instanceof BatchNorm2d bn) checkFoldable(bn);
        }
    }

    private static void checkFoldable(BatchNorm2d bn) {
        if (!bn.tracksRunningStats()) {
            throw new IllegalStateException(bn.name() + ": without running statistics it normalises by batch statistics, which cannot be folded");
        }
    }

    List<Layer.Child> children() {
        return childrenView;
    }

    List<Layer> order() {
        return orderView;
    }

    long[] outputShape(long[] in) {
        long[] s = in;
        for (Layer.Child c : children) s = c.layer().outputShape(s);
        return s;
    }

    Tensor forward(Tensor x) {
        Tensor y = x;
        // By index: an iterator per step is only free where the JIT compiler inlines the whole loop.
        for (int i = 0; i < order.size(); i++) y = order.get(i).forward(y);
        return y;
    }

    Tensor backward(Tensor dy, boolean needInputGrad) {
        Tensor g = dy;
        for (int i = order.size() - 1; i >= 0; i--) g = order.get(i).backward(g, needInputGrad || i > 0);
        return g;
    }

    /** Throws unless {@code layer} may join {@code children} as {@code name}: a new layer under a new name without dots. */
    static void checkNewChild(String owner, List<Layer.Child> children, String name, Layer layer) {
        if (layer == null) throw new IllegalArgumentException(owner + ": layer " + name + " is null");
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(owner + ": child name '" + name + "' must be non-empty and without dots");
        }
        for (Layer.Child c : children) {
            if (c.name().equals(name)) throw new IllegalArgumentException(owner + ": there is already a child named " + name);
            if (c.layer() == layer) throw new IllegalArgumentException(owner + ": " + layer.name() + " is already part of this model");
        }
    }
}
