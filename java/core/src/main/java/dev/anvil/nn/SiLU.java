package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** x * sigmoid(x), also called swish (PyTorch's {@code nn.SiLU}). */
public final class SiLU extends ElementwiseActivation {
    public SiLU() {
        super("SiLU", Abi.ANVIL_ACT_SILU, 0f);
    }
}
