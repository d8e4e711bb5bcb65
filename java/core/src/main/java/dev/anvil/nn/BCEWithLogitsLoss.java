package dev.anvil.nn;

import dev.anvil.abi.Abi;

/**
 * Binary cross-entropy on logits (PyTorch's {@code nn.BCEWithLogitsLoss} without {@code weight} or
 * {@code pos_weight}): per element {@code -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]} with
 * targets in [0, 1], computed as {@code max(x, 0) - x t + log(1 + exp(-|x|))} so that large logits
 * neither overflow nor lose the loss; averaged. The gradient is {@code (sigmoid(x) - t) / n}.
 */
public final class BCEWithLogitsLoss extends PointwiseLoss {
    public BCEWithLogitsLoss() {
        super("BCEWithLogitsLoss", Abi.ANVIL_LOSS_BCE_WITH_LOGITS, 0f);
    }
}
