package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.ops.GradCheck;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-entropy's options, the element-wise losses, softmax and log-softmax against values PyTorch 1.13 computes in double
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

    private record CrossEntropyCase(CrossEntropyLoss loss, int[] labels, double value, double[] gradient) {}

    /**
     * Cross-entropy's options against PyTorch 1.13 in double precision:
     * {@code F.cross_entropy(x, y, weight=w, ignore_index=i, label_smoothing=s)} and its gradient, for
     * x = [[1, -0.5, 2, 0.25], [0.1, 0.2, -1.3, 0.7], [-2, 1.5, 0.3, 0]], w = [0.5, 2, 1, 0.25].
     */
    @Test
    void crossEntropyOptionsMatchPyTorch() {
        float[] x = {1f, -0.5f, 2f, 0.25f, 0.1f, 0.2f, -1.3f, 0.7f, -2f, 1.5f, 0.3f, 0f};
        float[] w = {0.5f, 2f, 1f, 0.25f};
        int[] ignoredSecond = {2, -100, 1};
        List<CrossEntropyCase> cases = List.of(
                new CrossEntropyCase(new CrossEntropyLoss(), ignoredSecond, 0.4629495401425189, new double[] {0.113281624, 0.025276547,
                        -0.192068621, 0.05351045, 0, 0, 0, 0, 0.009712757, -0.17835767, 0.096876808, 0.071768105}),
                new CrossEntropyCase(CrossEntropyLoss.builder().weight(w).build(), ignoredSecond, 0.45568900862270256, new double[] {
                        0.075521082, 0.016851031, -0.128045747, 0.035673633, 0, 0, 0, 0, 0.012950342, -0.237810226, 0.129169078,
                        0.095690806}),
                new CrossEntropyCase(CrossEntropyLoss.builder().labelSmoothing(0.1).build(), ignoredSecond, 0.6060745401425189,
                        new double[] {0.100781624, 0.012776547, -0.154568621, 0.04101045, 0, 0, 0, 0, -0.002787243, -0.14085767,
                                0.084376808, 0.059268105}),
                new CrossEntropyCase(CrossEntropyLoss.builder().weight(w).labelSmoothing(0.2).build(), ignoredSecond, 0.5767948994159768,
                        new double[] {0.066243736, -0.01669294, -0.080611842, 0.031061046, 0, 0, 0, 0, 0.003241035, -0.183376223,
                                0.098778196, 0.081356991}),
                new CrossEntropyCase(CrossEntropyLoss.builder().ignoreIndex(1).labelSmoothing(0.1).build(), new int[] {2, 0, 1},
                        1.0311643972737852, new double[] {0.100781624, 0.012776547, -0.154568621, 0.04101045, -0.342707577, 0.119891102,
                                0.017040448, 0.205776027, 0, 0, 0, 0}));
        for (CrossEntropyCase c : cases) {
            try (CrossEntropyLoss loss = c.loss(); Tensor logits = Tensor.of(x.clone(), 3, 4); Tensor labels = Tensor.ofInts(c.labels(), 3)) {
                assertEquals(c.value(), loss.forward(logits, labels), 1e-6, loss.toString());
                float[] g = loss.backward().toFloatArray();
                for (int i = 0; i < g.length; i++) assertEquals(c.gradient()[i], g[i], 1e-6, loss + " gradient " + i);
            }
        }
        // Every sample ignored: 0 / 0 as in PyTorch, and a zero gradient.
        try (CrossEntropyLoss loss = new CrossEntropyLoss(); Tensor logits = Tensor.of(x.clone(), 3, 4);
                Tensor labels = Tensor.ofInts(new int[] {-100, -100, -100}, 3)) {
            assertTrue(Float.isNaN(loss.forward(logits, labels)));
            for (float g : loss.backward().toFloatArray()) assertEquals(0f, g);
        }
    }

    @Test
    void crossEntropyRefusesBadOptions() {
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.builder().labelSmoothing(bad));
            assertTrue(e.getMessage().contains("CrossEntropyLoss: label_smoothing must be in [0, 1]"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.builder().weight(1f, -1f));
        assertTrue(e.getMessage().contains("weight[1] must be finite and >= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.builder().weight(0f, 0f));
        assertTrue(e.getMessage().contains("at least one positive"), e.getMessage());
        try (CrossEntropyLoss loss = CrossEntropyLoss.builder().weight(1f, 2f, 3f).build(); Tensor logits = Tensor.zeros(2, 4);
                Tensor labels = Tensor.ofInts(new int[] {0, 1}, 2)) {
            e = assertThrows(IllegalArgumentException.class, () -> loss.forward(logits, labels));
            assertTrue(e.getMessage().contains("3 class weights for logits [2, 4] (4 classes)"), e.getMessage());
        }
        try (CrossEntropyLoss loss = new CrossEntropyLoss(); Tensor logits = Tensor.zeros(2, 4);
                Tensor labels = Tensor.ofInts(new int[] {0, 4}, 2)) {
            RuntimeException r = assertThrows(RuntimeException.class, () -> loss.forward(logits, labels));
            assertTrue(r.getMessage().contains("label 4"), r.getMessage());
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
