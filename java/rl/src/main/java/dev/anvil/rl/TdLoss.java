package dev.anvil.rl;

import java.nio.FloatBuffer;

/**
 * The temporal-difference loss of DQN on a batch and its gradient with respect to the Q-values,
 * computed in Java over a few hundred values per step: core has no gather, row-max or Huber
 * kernels, and a native call per piece would cost more than the arithmetic.
 *
 * <p>Target: {@code y_i = r_i + gamma * (1 - terminated_i) * Q_target(s'_i, a*_i)}, where
 * {@code a*_i} maximises {@code Q_target(s'_i, .)} (DQN, Mnih et al., Nature 2015) or
 * {@code Q_online(s'_i, .)} (Double DQN, van Hasselt et al., AAAI 2016). Loss: the mean over the
 * batch of {@code w_i * l(Q(s_i, a_i) - y_i)}, with l the Huber loss of PyTorch's
 * {@code smooth_l1_loss} (beta 1: {@code d^2 / 2} for {@code |d| < 1}, else {@code |d| - 1/2})
 * or the squared error of {@code mse_loss}; the targets carry no gradient.
 */
public final class TdLoss {
    /** The per-sample loss. */
    public enum Kind { HUBER, MSE }

    private TdLoss() {}

    /** {@code out[i] = argmax_a q[i, a]} for the first {@code rows} rows (the first among ties). */
    public static void argmaxRows(FloatBuffer q, int rows, int actions, int[] out) {
        for (int i = 0; i < rows; i++) {
            int row = i * actions, best = 0;
            for (int a = 1; a < actions; a++) if (q.get(row + a) > q.get(row + best)) best = a;
            out[i] = best;
        }
    }

    /**
     * The targets {@code y}, from the target network's Q-values at s' ([batch, actions]) at
     * {@code nextActions[i]}, or at their row maximum when {@code nextActions} is null.
     */
    public static void targets(double gamma, ReplayBatch batch, int actions, FloatBuffer qNextTarget, int[] nextActions, float[] y) {
        for (int i = 0; i < batch.size(); i++) {
            int row = i * actions;
            double next;
            if (nextActions != null) {
                next = qNextTarget.get(row + nextActions[i]);
            } else {
                next = qNextTarget.get(row);
                for (int a = 1; a < actions; a++) next = Math.max(next, qNextTarget.get(row + a));
            }
            y[i] = (float) (batch.rewards[i] + (batch.terminated[i] != 0 ? 0 : gamma * next));
        }
    }

    /**
     * Writes {@code dLoss/dQ} into {@code dq} ([batch, actions], zero outside the taken actions)
     * and the TD errors {@code Q(s_i, a_i) - y_i} into {@code tdErrors}; returns the loss.
     */
    public static double lossAndGradient(Kind kind, ReplayBatch batch, int actions, FloatBuffer q, float[] y, FloatBuffer dq,
                                         float[] tdErrors) {
        int n = batch.size();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int taken = i * actions + batch.actions[i];
            double d = q.get(taken) - y[i];
            double w = batch.weights[i];
            double grad;
            if (kind == Kind.HUBER) {
                double ad = Math.abs(d);
                loss += w * (ad < 1 ? 0.5 * d * d : ad - 0.5);
                grad = Math.max(-1, Math.min(1, d));
            } else {
                loss += w * d * d;
                grad = 2 * d;
            }
            tdErrors[i] = (float) d;
            for (int a = 0; a < actions; a++) dq.put(i * actions + a, 0f);
            dq.put(taken, (float) (w * grad / n));
        }
        return loss / n;
    }
}
