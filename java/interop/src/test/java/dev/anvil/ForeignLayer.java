package dev.anvil;

import dev.anvil.nn.Layer;

/** A layer defined outside Anvil (the identity, of kind "Mine"), which exporters and descriptions cannot know. */
public final class ForeignLayer extends Layer {
    public ForeignLayer() {
        super("Mine");
    }

    @Override
    public long[] outputShape(long[] in) {
        return in;
    }

    @Override
    protected Tensor doForward(Tensor x) {
        return x;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        return dy;
    }
}
