package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** The mean absolute error, mean(|x - t|) (PyTorch's {@code nn.L1Loss}; its gradient at x = t is 0). */
public final class L1Loss extends PointwiseLoss {
    public L1Loss() {
        super("L1Loss", Abi.ANVIL_LOSS_L1, 0f);
    }
}
