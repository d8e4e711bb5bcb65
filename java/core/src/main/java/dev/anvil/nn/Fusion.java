package dev.anvil.nn;

/**
 * Rewrites of a trained model for inference. {@link #foldBatchNorm} folds each BatchNorm2d that
 * directly follows a Conv2d into the convolution, as PyTorch's
 * {@code torch.ao.quantization.fuse_modules} / {@code fuse_conv_bn_eval} do: one kernel instead of
 * two, the same outputs up to rounding.
 */
public final class Fusion {
    private Fusion() {}

    /**
     * Folds, in place, every BatchNorm2d that directly follows a Conv2d in a {@link Sequential} or a
     * {@link Residual}'s main path (at any depth): the convolution becomes one with a bias (w' = w *
     * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta) and the BatchNorm an
     * {@link Identity}, under the same names; the replaced layers are closed. The state dict then has
     * the convolutions' biases and no BatchNorm keys, as after PyTorch's fusion. For inference only:
     * the model must be in evaluation mode.
     *
     * @return the number of BatchNorms folded
     * @throws IllegalStateException if the model is training, or a BatchNorm to fold keeps no running statistics
     */
    public static int foldBatchNorm(Layer model) {
        if (model.isTraining()) {
            throw new IllegalStateException(model.name() + ": BatchNorm folding is for inference and uses the running statistics; call eval() first");
        }
        check(model);
        return fold(model);
    }

    /** Checks the whole tree first, so that a model that cannot be folded is left as it was. */
    private static void check(Layer layer) {
        for (Layer.Child c : layer.children()) check(c.layer());
        if (layer instanceof Sequential s) s.checkFoldable();
        if (layer instanceof Residual r) r.checkFoldable();
    }

    private static int fold(Layer layer) {
        int folded = 0;
        for (Layer.Child c : layer.children()) folded += fold(c.layer());
        if (layer instanceof Sequential s) folded += s.foldBatchNormHere();
        if (layer instanceof Residual r) folded += r.foldBatchNormHere();
        return folded;
    }
}
