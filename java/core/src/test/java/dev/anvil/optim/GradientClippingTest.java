package dev.anvil.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clipping against PyTorch 1.13: {@code torch.nn.utils.clip_grad_norm_([a, b, c], 1.0)} with
 * a.grad = [3, 4], b.grad = [[1, 2], [2, 0]] and c.grad None returns 5.830951690673828 and leaves
 * a.grad = [0.5144957304, 0.6859942675], b.grad = [[0.1714985669, 0.3429971337], [0.3429971337, 0]];
 * with max_norm 10 nothing changes; {@code clip_grad_value_(.., 1.5)} on a.grad = [3, -4] gives
 * [1.5, -1.5].
 */
class GradientClippingTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static Parameter withGrad(String name, float[] grad, long... shape) {
        Parameter p = new Parameter(name, shape);
        p.beginGradWrite();
        p.grad().copyFrom(grad);
        return p;
    }

    @Test
    void clipGradNormMatchesPyTorch() {
        try (Parameter a = withGrad("a", new float[] {3, 4}, 2); Parameter b = withGrad("b", new float[] {1, 2, 2, 0}, 2, 2);
                Parameter c = new Parameter("c", 3)) {
            assertFalse(c.hasGrad());
            // PyTorch sums in float32 (sqrt(34) rounded); the sum here is in double.
            assertEquals(5.830951690673828, GradientClipping.clipGradNorm(List.of(a, b, c), 1.0), 1e-6);
            float[] ga = a.grad().toFloatArray(), gb = b.grad().toFloatArray();
            assertArrayEquals(new float[] {0.5144957304f, 0.6859942675f}, ga, 1e-7f);
            assertArrayEquals(new float[] {0.1714985669f, 0.3429971337f, 0.3429971337f, 0f}, gb, 1e-7f);
            assertFalse(c.hasGrad(), "a parameter without a gradient is left out");
            assertEquals(1.0, GradientClipping.clipGradNorm(List.of(a, b), 10.0), 1e-6, "the clipped norm");
            assertArrayEquals(ga, a.grad().toFloatArray(), "below max norm nothing changes");
        }
    }

    @Test
    void clipGradValueMatchesPyTorchAndKeepsNaN() {
        try (Parameter a = withGrad("a", new float[] {3, -4, 0.25f, Float.NaN}, 4)) {
            GradientClipping.clipGradValue(List.of(a), 1.5);
            float[] g = a.grad().toFloatArray();
            assertArrayEquals(new float[] {1.5f, -1.5f, 0.25f}, java.util.Arrays.copyOf(g, 3));
            assertTrue(Float.isNaN(g[3]));
        }
    }

    @Test
    void nonFiniteNormsAndBadArguments() {
        try (Parameter a = withGrad("a", new float[] {1, Float.POSITIVE_INFINITY}, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.clipGradNorm(List.of(a), 1.0, true));
            assertTrue(e.getMessage().contains("total norm of the gradients is Infinity"), e.getMessage());
            assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipGradNorm(List.of(a), 1.0));
            for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGradNorm(List.of(a), bad));
                assertTrue(e.getMessage().contains("max norm must be finite and > 0"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGradValue(List.of(a), bad));
                assertTrue(e.getMessage().contains("clip value must be finite and > 0"), e.getMessage());
            }
        }
    }
}
