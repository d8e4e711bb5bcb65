package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A residual block: y = after(main(x) + shortcut(x)), with the main path a chain of named layers,
 * the shortcut a layer (the identity when there is none) and {@code after} an optional layer on
 * the sum (the ReLU of a ResNet basic block). A two-input {@link MultiInputLayer} given as
 * {@link Builder#merge merge} takes the place of the addition: y = after(merge(main(x),
 * shortcut(x))), for example a fused add + ReLU plug-in op. The backward pass is derived from the
 * children's: the gradient of the sum (or the merge's gradient of each input) goes to both paths
 * and their input gradients are added. When the main path ends with a BatchNorm and the sum goes
 * through a ReLU (a ResNet basic block), the addition and the ReLU run inside that BatchNorm's pass
 * (same results, two fewer passes over the block's output each way). Children are named as given, so a block built like
 * PyTorch's ({@code conv1, bn1, conv2, bn2, shortcut}) has its state dict keys:
 *
 * <pre>{@code
 * Residual block = Residual.builder()
 *         .add("conv1", Conv2d.builder(16, 32, 3).stride(2).padding(1).bias(false).build())
 *         .add("bn1", new BatchNorm2d(32)).add("relu1", new ReLU())
 *         .add("conv2", Conv2d.builder(32, 32, 3).padding(1).bias(false).build())
 *         .add("bn2", new BatchNorm2d(32))
 *         .shortcut("shortcut", new Sequential(Conv2d.builder(16, 32, 1).stride(2).bias(false).build(), new BatchNorm2d(32)))
 *         .after("relu", new ReLU())
 *         .build();
 * }</pre>
 */
public final class Residual extends Layer {
    private final Chain main;
    private final Child shortcut; // null: identity
    private final Child after; // null: none
    private final Child merge; // null: addition
    private List<Child> children;
    private Tensor sum, inputGrad;
    private BatchNorm fusedTail; // the BatchNorm that took the addition and ReLU in the last forward pass, or null

    private Residual(Builder b) {
        super("Residual");
        this.main = b.main;
        this.shortcut = b.shortcut;
        this.after = b.after;
        this.merge = b.merge;
        if (main.children().isEmpty()) throw new IllegalArgumentException("Residual: the main path has no layers");
        this.children = collectChildren();
        for (Child c : children) adopt(c.name(), c.layer());
    }

    private List<Child> collectChildren() {
        List<Child> all = new ArrayList<>(main.children());
        if (shortcut != null) all.add(shortcut);
        if (merge != null) all.add(merge);
        if (after != null) all.add(after);
        return List.copyOf(all);
    }

    /** Folds the main path's Conv2d + BatchNorm2d pairs (see {@link Fusion#foldBatchNorm}); returns how many. */
    void checkFoldable() {
        main.checkFoldable();
    }

    int foldBatchNormHere() {
        List<Child[]> pairs = main.foldBatchNorm();
        children = collectChildren();
        replaced(pairs);
        return pairs.size() / 2;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<Child> children() {
        return children;
    }

    /** The layers of the main path, in order. */
    public List<Child> mainPath() {
        return main.children();
    }

    /** The shortcut, or null for the identity. */
    public Child shortcut() {
        return shortcut;
    }

    /** The two-input layer that combines the paths, or null for the addition. */
    public Child merge() {
        return merge;
    }

    /** The layer applied to the sum, or null for none. */
    public Child after() {
        return after;
    }

    @Override
    public long[] outputShape(long[] in) {
        long[] m = main.outputShape(in);
        long[] s = shortcut == null ? in : shortcut.layer().outputShape(in);
        if (merge != null) {
            long[] merged;
            try {
                merged = mergeLayer().outputShape(new long[][] {m, s});
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name() + ": the merge of the main path's " + shape(m) + " and the shortcut's "
                        + shape(s) + " for input " + shape(in) + " fails: " + e.getMessage(), e);
            }
            return after == null ? merged : after.layer().outputShape(merged);
        }
        if (!Arrays.equals(m, s)) {
            throw new IllegalArgumentException(name() + ": the main path gives " + shape(m) + " but the shortcut gives " + shape(s)
                    + " for input " + shape(in) + (shortcut == null ? " (add a projection shortcut)" : ""));
        }
        return after == null ? m : after.layer().outputShape(m);
    }

    /**
     * The main path's last layer, when it is a BatchNorm that can take this block's addition and
     * ReLU (an addition, a plain ReLU after it, no ReLU of its own), else null.
     */
    private BatchNorm tailForAddRelu() {
        if (merge != null || after == null || !(after.layer() instanceof ReLU)) return null;
        List<Layer> order = main.order();
        return order.get(order.size() - 1) instanceof BatchNorm bn && !bn.isReluFused() ? bn : null;
    }

    @Override
    protected Tensor doForward(Tensor x) {
        checkInput(x);
        fusedTail = null;
        BatchNorm tail = tailForAddRelu();
        if (tail != null) {
            // The shortcut first: the main path's BatchNorm adds its output and applies the ReLU.
            Tensor s = shortcut == null ? x : shortcut.layer().forward(x);
            tail.addBeforeRelu(s);
            try {
                Tensor y = main.forward(x);
                fusedTail = tail;
                return y;
            } finally {
                tail.addBeforeRelu(null);
            }
        }
        Tensor m = main.forward(x);
        Tensor s = shortcut == null ? x : shortcut.layer().forward(x);
        Tensor combined;
        if (merge != null) {
            combined = mergeLayer().forward(m, s);
        } else {
            sum = reuse(sum, x.device(), Shapes.of(m));
            Native.add(x.device(), sum.numel(), m.address(), s.address(), sum.address());
            combined = sum;
        }
        return after == null ? combined : after.layer().forward(combined);
    }

    private MultiInputLayer mergeLayer() {
        return (MultiInputLayer) merge.layer();
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkNotClosed();
        Tensor dMain, gShort;
        if (fusedTail != null) {
            // The main path's BatchNorm applies the ReLU's mask and gives the shortcut's gradient.
            dMain = main.backward(dy, needInputGrad);
            gShort = fusedTail.residualGrad();
        } else {
            Tensor g = after == null ? dy : after.layer().backward(dy);
            Tensor gMain = g;
            gShort = g;
            if (merge != null) {
                Tensor[] grads = mergeLayer().backwardInputs(g);
                gMain = grads[0];
                gShort = grads[1];
            }
            dMain = main.backward(gMain, needInputGrad);
        }
        Tensor dShort = shortcut == null ? gShort : shortcut.layer().backward(gShort, needInputGrad);
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(dMain));
        Native.add(dy.device(), inputGrad.numel(), dMain.address(), dShort.address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(sum, inputGrad);
        fusedTail = null;
    }

    /** The parts of a {@link Residual}, named. */
    public static final class Builder {
        private final Chain main = new Chain("Residual");
        private Child shortcut, after, merge;

        private Builder() {}

        /** Appends a layer to the main path. */
        public Builder add(String name, Layer layer) {
            main.add(name, layer);
            return this;
        }

        /** The shortcut path (default: the identity). */
        public Builder shortcut(String name, Layer layer) {
            this.shortcut = new Child(name, layer);
            return this;
        }

        /**
         * A layer of two inputs, (main path's output, shortcut's output), in place of their
         * addition: a fused add + ReLU plug-in op, say (then without {@link #after}).
         */
        public Builder merge(String name, MultiInputLayer layer) {
            if (layer == null) throw new IllegalArgumentException("Residual: merge " + name + " is null");
            if (layer.numInputs() != 2) {
                throw new IllegalArgumentException("Residual: merge " + name + " (" + layer.kind() + ") must take 2 inputs, it takes "
                        + layer.numInputs());
            }
            this.merge = new Child(name, layer);
            return this;
        }

        /** A layer applied to the sum (a ResNet block's final ReLU). */
        public Builder after(String name, Layer layer) {
            this.after = new Child(name, layer);
            return this;
        }

        public Residual build() {
            return new Residual(this);
        }
    }
}
