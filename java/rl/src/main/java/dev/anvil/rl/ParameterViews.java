package dev.anvil.rl;

import dev.anvil.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Java views of the values and gradients of a network's (CPU) parameters, made once, for the
 * few whole-network operations that core has no kernel for: the global gradient norm and its
 * clipping, and Polyak averaging. A network of a DQN has about ten thousand parameters, so a
 * Java loop is cheaper than the calls it would replace; and the loops allocate nothing.
 */
final class ParameterViews {
    private final FloatBuffer[] values;
    private final FloatBuffer[] grads;

    ParameterViews(List<Parameter> params) {
        values = new FloatBuffer[params.size()];
        grads = new FloatBuffer[params.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = params.get(i).value().floatBuffer();
            grads[i] = params.get(i).grad().floatBuffer();
        }
    }

    /** The Euclidean norm of all gradients together, as {@code torch.nn.utils.clip_grad_norm_} computes it. */
    double gradNorm() {
        // Four independent sums, so that each add does not wait for the previous one.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (FloatBuffer g : grads) {
            int n = g.capacity(), i = 0;
            for (; i + 3 < n; i += 4) {
                float a = g.get(i), b = g.get(i + 1), c = g.get(i + 2), d = g.get(i + 3);
                s0 += a * a;
                s1 += b * b;
                s2 += c * c;
                s3 += d * d;
            }
            for (; i < n; i++) s0 += g.get(i) * g.get(i);
        }
        return Math.sqrt(s0 + s1 + s2 + s3);
    }

    /**
     * Scales the gradients so that their global norm is at most {@code maxNorm}, with PyTorch's
     * factor {@code maxNorm / (norm + 1e-6)}; returns the norm before clipping.
     */
    double clipGradNorm(double maxNorm) {
        double norm = gradNorm();
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float f = (float) coef;
            for (FloatBuffer g : grads) {
                for (int i = 0, n = g.capacity(); i < n; i++) g.put(i, g.get(i) * f);
            }
        }
        return norm;
    }

    /** {@code this = tau * source + (1 - tau) * this}, parameter by parameter (soft target update). */
    void polyakFrom(ParameterViews source, double tau) {
        float t = (float) tau, keep = (float) (1 - tau);
        for (int p = 0; p < values.length; p++) {
            FloatBuffer dst = values[p], src = source.values[p];
            for (int i = 0, n = dst.capacity(); i < n; i++) dst.put(i, keep * dst.get(i) + t * src.get(i));
        }
    }
}
