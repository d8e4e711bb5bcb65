package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** tanh(x) (PyTorch's {@code nn.Tanh}). */
public final class Tanh extends ElementwiseActivation {
    public Tanh() {
        super("Tanh", Abi.ANVIL_ACT_TANH, 0f);
    }
}
