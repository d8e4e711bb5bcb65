package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** 1 / (1 + exp(-x)) (PyTorch's {@code nn.Sigmoid}). */
public final class Sigmoid extends ElementwiseActivation {
    public Sigmoid() {
        super("Sigmoid", Abi.ANVIL_ACT_SIGMOID, 0f);
    }
}
