package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** x for x > 0, alpha * (exp(x) - 1) otherwise (PyTorch's {@code nn.ELU}, alpha 1 by default). */
public final class ELU extends ElementwiseActivation {
    private final float alpha;

    public ELU() {
        this(1.0);
    }

    public ELU(double alpha) {
        super("ELU", Abi.ANVIL_ACT_ELU, (float) alpha);
        this.alpha = (float) alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    protected String describe() {
        return kind() + "(alpha=" + alpha + ")";
    }
}
