package dev.anvil.nn;

import dev.anvil.abi.Abi;

/**
 * PyTorch's {@code nn.HuberLoss}: per element {@code 0.5 d^2} where {@code |d| < delta}, else
 * {@code delta (|d| - 0.5 delta)} (d = x - t), averaged: quadratic near the target, linear beyond.
 */
public final class HuberLoss extends PointwiseLoss {
    /** delta 1, PyTorch's default. */
    public HuberLoss() {
        this(1.0);
    }

    public HuberLoss(double delta) {
        super("HuberLoss", Abi.ANVIL_LOSS_HUBER, positive("HuberLoss", "delta", delta));
    }
}
