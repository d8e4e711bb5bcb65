package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** max(0, x) + negativeSlope * min(0, x) (PyTorch's {@code nn.LeakyReLU}, negative_slope 0.01 by default). */
public final class LeakyReLU extends ElementwiseActivation {
    private final float negativeSlope;

    public LeakyReLU() {
        this(0.01);
    }

    public LeakyReLU(double negativeSlope) {
        super("LeakyReLU", Abi.ANVIL_ACT_LEAKY_RELU, (float) negativeSlope);
        this.negativeSlope = (float) negativeSlope;
    }

    public double negativeSlope() {
        return negativeSlope;
    }

    @Override
    protected String describe() {
        return kind() + "(negative_slope=" + negativeSlope + ")";
    }
}
