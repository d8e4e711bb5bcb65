package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parallel branches on one input whose outputs are concatenated along the channel dimension
 * ({@code torch.cat([b(x) for b in branches], dim=1)}, the shape of an Inception block or a
 * DenseNet layer): each branch gives [N, C_i, ...] with the same N and trailing sizes, and the
 * block gives [N, sum C_i, ...]. Backward splits the gradient among the branches and adds their
 * input gradients. Branches are named as given, so state dict keys read {@code branch1.0.weight}.
 *
 * <pre>{@code
 * Concat block = Concat.builder()
 *         .add("branch1", Conv2d.builder(64, 32, 1).build())
 *         .add("branch3", Conv2d.builder(64, 32, 3).padding(1).build())
 *         .build();
 * }</pre>
 */
public final class Concat extends Layer {
    private final List<Child> branches;
    private final List<Tensor> branchGrads = new ArrayList<>();
    private final long[] channels; // each branch's output channels in the last forward pass
    private Tensor output, inputGrad;

    private Concat(List<Child> branches) {
        super("Concat");
        if (branches.isEmpty()) throw new IllegalArgumentException("Concat: no branches");
        this.branches = List.copyOf(branches);
        for (Child c : this.branches) adopt(c.name(), c.layer());
        for (int i = 0; i < this.branches.size(); i++) branchGrads.add(null);
        this.channels = new long[this.branches.size()];
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<Child> children() {
        return branches;
    }

    @Override
    public long[] outputShape(long[] in) {
        long[] out = null;
        for (Child c : branches) {
            long[] s = c.layer().outputShape(in);
            if (s.length < 2) {
                throw new IllegalArgumentException(name() + ": branch " + c.name() + " gives " + shape(s) + " for input " + shape(in)
                        + "; concatenation along dim 1 needs at least 2 dimensions");
            }
            if (out == null) {
                out = s.clone();
                continue;
            }
            long[] a = out.clone(), b = s.clone();
            a[1] = b[1] = 0;
            if (!Arrays.equals(a, b)) {
                throw new IllegalArgumentException(name() + ": branch " + c.name() + " gives " + shape(s) + " but branch "
                        + branches.get(0).name() + " gives " + shape(branches.get(0).layer().outputShape(in))
                        + " for input " + shape(in) + "; all sizes but dim 1 must agree");
            }
            out[1] += s[1];
        }
        return out;
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        output = reuse(output, x.device(), shape);
        long rows = shape[0], rowLength = output.numel() / Math.max(1, rows), offset = 0;
        for (int i = 0; i < branches.size(); i++) {
            Tensor y = branches.get(i).layer().forward(x);
            channels[i] = y.size(1);
            long block = y.numel() / Math.max(1, rows);
            Native.copyRows(x.device(), rows, block, y.address(), block, output.address() + 4 * offset, rowLength);
            offset += block;
        }
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkNotClosed();
        if (output == null) throw new IllegalStateException(name() + ": backward() called without a forward()");
        checkGradient(dy, output, Shapes.of(output));
        long rows = dy.size(0), rowLength = dy.numel() / Math.max(1, rows), offset = 0;
        boolean first = true;
        for (int i = 0; i < branches.size(); i++) {
            Layer branch = branches.get(i).layer();
            long[] s = output.shape();
            s[1] = channels[i];
            Tensor g = reuse(branchGrads.get(i), dy.device(), s);
            branchGrads.set(i, g);
            long block = g.numel() / Math.max(1, rows);
            Native.copyRows(dy.device(), rows, block, dy.address() + 4 * offset, rowLength, g.address(), block);
            offset += block;
            Tensor dx = branch.backward(g, needInputGrad);
            if (!needInputGrad) continue;
            if (first) {
                inputGrad = reuse(inputGrad, dy.device(), Shapes.of(dx));
                Native.copy(dy.device(), dx.numel(), dx.address(), inputGrad.address());
                first = false;
            } else {
                Native.add(dy.device(), dx.numel(), inputGrad.address(), dx.address(), inputGrad.address());
            }
        }
        return needInputGrad ? inputGrad : null;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        for (Tensor t : branchGrads) closeAll(t);
        branchGrads.replaceAll(t -> null);
    }

    /** The branches of a {@link Concat}, named, in output order. */
    public static final class Builder {
        private final List<Child> branches = new ArrayList<>();

        private Builder() {}

        public Builder add(String name, Layer branch) {
            Chain.checkNewChild("Concat", branches, name, branch);
            branches.add(new Child(name, branch));
            return this;
        }

        public Concat build() {
            return new Concat(branches);
        }
    }
}
