package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Shapes;
import java.util.Arrays;

/** Reshapes [N, d1, d2, ...] to [N, d1*d2*...] as a view (no copy), and back in backward. */
public final class Flatten extends Layer {
    private long[] inputShape;
    // Views made once for the same tensor, which layers reuse from step to step: no allocation per step.
    private Tensor viewed, view, gradViewed, gradView;

    public Flatten() {
        super("Flatten");
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length < 2) throw new IllegalArgumentException(name() + ": expected at least 2 dimensions, got " + shape(in));
        long rest = 1;
        for (int i = 1; i < in.length; i++) rest = Math.multiplyExact(rest, in[i]);
        return new long[] {in[0], rest};
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] out = checkInput(x);
        inputShape = isTraining() ? Shapes.of(x) : null;
        // The view of the same input (a layer's reused output, step after step) is made once.
        if (x != viewed || view.isClosed() || !Arrays.equals(Shapes.of(view), out)) {
            view = x.reshape(out);
            viewed = x;
        }
        return view;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, inputShape == null ? null : dy, inputShape == null ? null : checkedOutputShape());
        if (!needInputGrad) return null;
        if (dy != gradViewed || gradView.isClosed() || !Arrays.equals(Shapes.of(gradView), inputShape)) {
            gradView = dy.reshape(inputShape);
            gradViewed = dy;
        }
        return gradView;
    }

    /** The output shape of the last training forward pass, without allocating once known. */
    private long[] checkedOutputShape() {
        return view != null && viewed != null && Arrays.equals(Shapes.of(viewed), inputShape) ? Shapes.of(view) : outputShape(inputShape);
    }
}
