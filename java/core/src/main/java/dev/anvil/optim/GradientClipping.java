package dev.anvil.optim;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.nn.Parameter;
import java.util.Objects;

/**
 * Gradient clipping between the backward pass and the optimizer step, as PyTorch's
 * {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. Parameters without a gradient
 * since the last {@code zeroGrad()} are left out, as PyTorch leaves out those whose {@code grad} is
 * None. Both run natively on the gradients' devices; nothing is allocated.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales the gradients so that their global L2 norm (over all of them, as if concatenated) is at
     * most {@code maxNorm}: by {@code maxNorm / (norm + 1e-6)} when that is below 1, as PyTorch does.
     *
     * @return the global norm before clipping
     * @throws IllegalArgumentException if maxNorm is not finite and > 0, or the norm is NaN or
     *     infinite and {@code errorIfNonfinite} (PyTorch's option; without it such gradients are
     *     scaled by NaN, as in PyTorch)
     */
    public static double clipGradNorm(Iterable<Parameter> params, double maxNorm, boolean errorIfNonfinite) {
        Objects.requireNonNull(params, "params");
        if (!(maxNorm > 0 && Double.isFinite(maxNorm))) {
            throw new IllegalArgumentException("clipGradNorm: max norm must be finite and > 0, got " + maxNorm);
        }
        double sumSquares = 0;
        for (Parameter p : params) {
            if (!p.hasGrad()) continue;
            Tensor g = p.grad();
            long at = g.retain();
            try {
                sumSquares += Native.sumSquares(g.device(), g.numel(), at);
            } finally {
                g.release();
            }
        }
        double norm = Math.sqrt(sumSquares);
        if (!Double.isFinite(norm) && errorIfNonfinite) {
            throw new IllegalArgumentException("clipGradNorm: the total norm of the gradients is " + norm
                    + "; a NaN or infinite gradient (lower the learning rate or check the loss)");
        }
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1 || Double.isNaN(coefficient)) {
            for (Parameter p : params) {
                if (p.hasGrad()) p.grad().scale((float) coefficient);
            }
        }
        return norm;
    }

    /** {@link #clipGradNorm(Iterable, double, boolean)} without the non-finite check (PyTorch's default). */
    public static double clipGradNorm(Iterable<Parameter> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, false);
    }

    /** Clamps every gradient element to [-clipValue, clipValue]; NaN stays NaN. */
    public static void clipGradValue(Iterable<Parameter> params, double clipValue) {
        Objects.requireNonNull(params, "params");
        if (!(clipValue > 0 && Double.isFinite(clipValue))) {
            throw new IllegalArgumentException("clipGradValue: clip value must be finite and > 0, got " + clipValue);
        }
        float v = (float) clipValue;
        for (Parameter p : params) {
            if (!p.hasGrad()) continue;
            Tensor g = p.grad();
            long at = g.retain();
            try {
                Native.clamp(g.device(), g.numel(), -v, v, at);
            } finally {
                g.release();
            }
        }
    }
}
