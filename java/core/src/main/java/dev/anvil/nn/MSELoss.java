package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** The mean squared error, mean((x - t)^2) (PyTorch's {@code nn.MSELoss}). */
public final class MSELoss extends PointwiseLoss {
    public MSELoss() {
        super("MSELoss", Abi.ANVIL_LOSS_MSE, 0f);
    }
}
