package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/**
 * The DQN and Double DQN targets and the Huber / squared loss on a three-transition batch worked
 * by hand. Huber is PyTorch's smooth_l1_loss with beta 1 and mean reduction
 * (https://pytorch.org/docs/stable/generated/torch.nn.SmoothL1Loss.html): 0.5 d^2 for |d| < 1,
 * |d| - 0.5 otherwise, gradient clamp(d, -1, 1) / batch.
 */
class TdLossTest {
    private static final float GAMMA = 0.9f;
    // Row i: Q(s_i, .), Q_target(s'_i, .), Q_online(s'_i, .); actions 0, 1, 1; rewards 1, 0, -1; row 1 terminal.
    private static final float[] Q = {2.0f, 0.5f, 0f, 0.25f, 1f, -2f};
    private static final float[] Q_NEXT_TARGET = {1.0f, 3.0f, 7f, 7f, 0.5f, -0.5f};
    private static final float[] Q_NEXT_ONLINE = {5.0f, 0.0f, 0f, 9f, -1f, 2f};

    private static ReplayBatch batch() {
        ReplayBatch b = new ReplayBatch(3, 1);
        int[] actions = {0, 1, 1};
        float[] rewards = {1, 0, -1}, terminated = {0, 1, 0};
        for (int i = 0; i < 3; i++) {
            b.actions[i] = actions[i];
            b.rewards[i] = rewards[i];
            b.terminated[i] = terminated[i];
            b.weights[i] = 1;
        }
        return b;
    }

    @Test
    void dqnTargetsTakeTheTargetNetworksMaximum() {
        try (ReplayBatch b = batch()) {
            float[] y = new float[3];
            TdLoss.targets(GAMMA, b, 2, FloatBuffer.wrap(Q_NEXT_TARGET), null, y);
            // 1 + 0.9 * max(1, 3); terminal: the reward alone; -1 + 0.9 * max(0.5, -0.5).
            assertArrayEquals(new float[] {3.7f, 0f, -0.55f}, y, 1e-6f);
        }
    }

    @Test
    void doubleDqnTargetsEvaluateTheOnlineNetworksChoiceWithTheTargetNetwork() {
        try (ReplayBatch b = batch()) {
            int[] chosen = new int[3];
            TdLoss.argmaxRows(FloatBuffer.wrap(Q_NEXT_ONLINE), 3, 2, chosen);
            assertArrayEquals(new int[] {0, 1, 1}, chosen);
            float[] y = new float[3];
            TdLoss.targets(GAMMA, b, 2, FloatBuffer.wrap(Q_NEXT_TARGET), chosen, y);
            // 1 + 0.9 * Q_target(s', 0) = 1.9; terminal 0; -1 + 0.9 * Q_target(s', 1) = -1.45.
            assertArrayEquals(new float[] {1.9f, 0f, -1.45f}, y, 1e-6f);
        }
    }

    @Test
    void huberLossAndGradientAtTheTakenActions() {
        try (ReplayBatch b = batch()) {
            float[] y = {3.7f, 0f, -0.55f}, td = new float[3];
            FloatBuffer dq = FloatBuffer.allocate(6);
            double loss = TdLoss.lossAndGradient(TdLoss.Kind.HUBER, b, 2, FloatBuffer.wrap(Q), y, dq, td);
            // d = 2 - 3.7 = -1.7 (linear part: 1.2), 0.25 - 0 (quadratic: 0.03125), -2 + 0.55 = -1.45 (0.95).
            assertEquals((1.2 + 0.03125 + 0.95) / 3, loss, 1e-6);
            assertArrayEquals(new float[] {-1.7f, 0.25f, -1.45f}, td, 1e-6f);
            assertArrayEquals(new float[] {-1f / 3, 0, 0, 0.25f / 3, 0, -1f / 3}, dq.array(), 1e-7f);
        }
    }

    @Test
    void squaredLossAndImportanceWeights() {
        try (ReplayBatch b = batch()) {
            b.weights[0] = 0.5f;
            float[] y = {3.7f, 0f, -0.55f}, td = new float[3];
            FloatBuffer dq = FloatBuffer.wrap(new float[] {9, 9, 9, 9, 9, 9}); // stale values must be cleared
            double loss = TdLoss.lossAndGradient(TdLoss.Kind.MSE, b, 2, FloatBuffer.wrap(Q), y, dq, td);
            assertEquals((0.5 * 2.89 + 0.0625 + 2.1025) / 3, loss, 1e-5);
            assertArrayEquals(new float[] {0.5f * 2 * -1.7f / 3, 0, 0, 2 * 0.25f / 3, 0, 2 * -1.45f / 3}, dq.array(), 1e-6f);
        }
    }
}
