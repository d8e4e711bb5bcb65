package dev.anvil.nn;

import dev.anvil.Tensor;

/** Returns its input (PyTorch's {@code nn.Identity}): a placeholder, or a shortcut that adds nothing. */
public final class Identity extends Layer {
    public Identity() {
        super("Identity");
    }

    @Override
    public long[] outputShape(long[] in) {
        return in.clone();
    }

    @Override
    protected Tensor doForward(Tensor x) {
        checkInput(x);
        return x;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkNotClosed();
        return needInputGrad ? dy : null;
    }
}
