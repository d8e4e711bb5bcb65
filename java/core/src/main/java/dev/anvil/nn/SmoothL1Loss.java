package dev.anvil.nn;

import dev.anvil.abi.Abi;

/**
 * PyTorch's {@code nn.SmoothL1Loss}: per element {@code 0.5 d^2 / beta} where {@code |d| < beta},
 * else {@code |d| - 0.5 beta} (d = x - t), averaged. The Huber loss divided by beta.
 */
public final class SmoothL1Loss extends PointwiseLoss {
    /** beta 1, PyTorch's default. */
    public SmoothL1Loss() {
        this(1.0);
    }

    public SmoothL1Loss(double beta) {
        super("SmoothL1Loss", Abi.ANVIL_LOSS_SMOOTH_L1, positive("SmoothL1Loss", "beta", beta));
    }
}
