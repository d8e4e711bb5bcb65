package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.ops.GradCheck;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The element-wise losses, softmax and log-softmax against values PyTorch 1.13 computes in double
 * precision for the same inputs ({@code nn.MSELoss()(x, t)} and {@code torch.autograd.grad} of it,
 * and so on), their gradients against finite differences, and the arguments they refuse.
 */
class LossesTest {
    private static final float[] X = {0.5f, -1.2f, 2.0f, 0.1f};
    private static final float[] T = {0.0f, -1.0f, 0.5f, 1.0f};

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private record Expected(Loss loss, double value, double[] gradient) {}

    @Test
    void lossesMatchPyTorch() {
        // The BCE row takes the targets clamped to [0, 1]: {0, 0, 0.5, 1}.
        List<Expected> cases = List.of(
                new Expected(new MSELoss(), 0.8375, new double[] {0.25, -0.1, 0.75, -0.45}),
                new Expected(new L1Loss(), 0.775, new double[] {0.25, -0.25, 0.25, -0.25}),
                new Expected(new SmoothL1Loss(0.5), 0.5475, new double[] {0.25, -0.1, 0.25, -0.25}),
                new Expected(new HuberLoss(1.5), 0.41875, new double[] {0.125, -0.05, 0.375, -0.225}),
                new Expected(new BCEWithLogitsLoss(), 0.7521710306586704,
                        new double[] {0.15561483280046365, 0.057868804125245595, 0.09519926949447058, -0.118755203130265}));
        for (Expected c : cases) {
            boolean bce = c.loss() instanceof BCEWithLogitsLoss;
            float[] t = bce ? new float[] {0f, 0f, 0.5f, 1f} : T;
            try (Loss loss = c.loss(); Tensor x = Tensor.of(X.clone(), 2, 2); Tensor target = Tensor.of(t, 2, 2)) {
                assertEquals(c.value(), loss.forward(x, target), 1e-6, loss.toString());
                float[] g = loss.backward().toFloatArray();
                for (int i = 0; i < g.length; i++) assertEquals(c.gradient()[i], g[i], 1e-6, loss + " gradient " + i);
                GradCheck.check(loss + " gradient", in -> new float[] {loss.forward(x.copyFrom(in), target)}, X.clone(),
                        new float[] {1f}, g, 1e-3);
            }
        }
    }

    @Test
    void lossesRefuseMismatchedInputsAndBadParameters() {
        try (MSELoss loss = new MSELoss(); Tensor x = Tensor.zeros(2, 3); Tensor t = Tensor.zeros(3, 2);
                Tensor labels = Tensor.ofInts(new int[] {0, 1}, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.forward(x, t));
            assertTrue(e.getMessage().contains("MSELoss") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> loss.forward(x, labels));
            assertTrue(e.getMessage().contains("INT32"), e.getMessage());
            IllegalStateException s = assertThrows(IllegalStateException.class, loss::backward);
            assertTrue(s.getMessage().contains("before forward"), s.getMessage());
        }
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HuberLoss(bad));
            assertTrue(e.getMessage().contains("HuberLoss: delta must be finite and > 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new SmoothL1Loss(bad));
            assertTrue(e.getMessage().contains("beta"), e.getMessage());
        }
    }

    @Test
    void softmaxAndLogSoftmaxMatchPyTorch() {
        try (Softmax softmax = new Softmax(1); LogSoftmax logSoftmax = new LogSoftmax(); Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3)) {
            float[] s = softmax.forward(x).toFloatArray(), l = logSoftmax.forward(x).toFloatArray();
            double[] ps = {0.09003057317038045, 0.2447284710547976, 0.6652409557748218};
            double[] pl = {-2.4076059644443806, -1.4076059644443804, -0.4076059644443804};
            for (int i = 0; i < 3; i++) {
                assertEquals(ps[i], s[i], 1e-7);
                assertEquals(pl[i], l[i], 1e-6);
            }
        }
        LayerGradientTest.checkGradients(new Softmax(), 1e-3f, LayerGradientTest.random(2 * 3 * 4, 40, -2, 2), 2, 3, 4);
        LayerGradientTest.checkGradients(new LogSoftmax(1), 1e-3f, LayerGradientTest.random(3 * 5, 41, -2, 2), 3, 5);
        try (Softmax channels = new Softmax(1); Tensor x = Tensor.zeros(2, 3, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> channels.forward(x));
            assertTrue(e.getMessage().contains("dim 1 of input [2, 3, 4] is not its last dimension"), e.getMessage());
        }
    }
}
