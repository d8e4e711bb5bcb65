package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** x * relu6(x + 3) / 6 (PyTorch's {@code nn.Hardswish}, MobileNetV3). */
public final class Hardswish extends ElementwiseActivation {
    public Hardswish() {
        super("Hardswish", Abi.ANVIL_ACT_HARDSWISH, 0f);
    }
}
