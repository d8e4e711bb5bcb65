package dev.anvil.nn;

import dev.anvil.Tensor;

/** Reshapes [N, d1, d2, ...] to [N, d1*d2*...] as a view (no copy), and back in backward. */
public final class Flatten extends Layer {
    private long[] inputShape;

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
        inputShape = isTraining() ? x.shape() : null;
        return x.reshape(out);
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, inputShape == null ? null : dy, inputShape == null ? null : outputShape(inputShape));
        return needInputGrad ? dy.reshape(inputShape) : null;
    }
}
