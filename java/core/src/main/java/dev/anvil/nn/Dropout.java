package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
 * 1/(1-p); identity in evaluation. The mask of each forward pass is a pure function of a seed
 * (drawn from {@link Init} at construction, then advanced every pass), so runs are reproducible
 * and backward recomputes the mask instead of storing it.
 */
public final class Dropout extends Layer {
    private final float p;
    private final long baseSeed;
    private long passes;
    private long seed;
    private long[] lastShape;
    private Tensor output;
    private Tensor inputGrad;

    public Dropout(double p) {
        super("Dropout");
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = (float) p;
        this.baseSeed = Init.next().nextLong();
    }

    public float p() {
        return p;
    }

    /** Training passes so far: the mask of the next pass is a function of this count and the seed. */
    public long passes() {
        return passes;
    }

    /** Sets the pass count, e.g. to continue an interrupted run with the masks it would have drawn. */
    public void setPasses(long passes) {
        if (passes < 0) throw new IllegalArgumentException(name() + ": passes must be >= 0, got " + passes);
        this.passes = passes;
    }

    @Override
    public long[] outputShape(long[] in) {
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] shape = checkInput(x);
        if (!isTraining() || p == 0f) {
            lastShape = isTraining() ? shape : null;
            seed = -1;
            return x;
        }
        output = reuse(output, x.device(), shape);
        // One mask per pass: mix the pass counter into the seed (golden-ratio increment).
        seed = baseSeed + 0x9E3779B97F4A7C15L * ++passes;
        Native.dropoutForward(x.device(), x.numel(), p, seed, x.address(), output.address());
        lastShape = shape;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, lastShape == null ? null : dy, lastShape);
        if (!needInputGrad) return null;
        if (p == 0f) return dy;
        inputGrad = reuse(inputGrad, dy.device(), lastShape);
        Native.dropoutBackward(dy.device(), dy.numel(), p, seed, dy.address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
    }

    @Override
    protected String describe() {
        return kind() + "(p=" + p + ")";
    }
}
