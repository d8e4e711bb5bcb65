package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.nn.Linear;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradient clipping as torch.nn.utils.clip_grad_norm_ does it, and Polyak averaging. */
class ParameterViewsTest {
    @Test
    void globalNormOverAllParametersAndClippingToIt() {
        try (Linear layer = new Linear(2, 2)) {
            layer.weight().grad().copyFrom(new float[] {3, 4, 0, 0});
            layer.bias().grad().copyFrom(new float[] {0, 12});
            ParameterViews views = new ParameterViews(layer.parameters());
            assertEquals(13.0, views.gradNorm(), 1e-9, "sqrt(9 + 16 + 144)");
            assertEquals(13.0, views.clipGradNorm(20), 1e-9);
            assertArrayEquals(new float[] {3, 4, 0, 0}, layer.weight().grad().toFloatArray(), "below the limit: untouched");
            // PyTorch scales by max_norm / (total_norm + 1e-6).
            assertEquals(13.0, views.clipGradNorm(6.5), 1e-9);
            float f = (float) (6.5 / (13 + 1e-6));
            assertArrayEquals(new float[] {3 * f, 4 * f, 0, 0}, layer.weight().grad().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0, 12 * f}, layer.bias().grad().toFloatArray(), 1e-6f);
            assertEquals(6.5, views.gradNorm(), 1e-5);
        }
    }

    @Test
    void polyakAveragingMovesTheTargetTowardsTheSource() {
        try (Linear online = new Linear(1, 1); Linear target = new Linear(1, 1)) {
            online.weight().value().copyFrom(new float[] {4});
            online.bias().value().copyFrom(new float[] {-8});
            target.weight().value().copyFrom(new float[] {0});
            target.bias().value().copyFrom(new float[] {8});
            new ParameterViews(target.parameters()).polyakFrom(new ParameterViews(online.parameters()), 0.25);
            assertArrayEquals(new float[] {1}, target.weight().value().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {4}, target.bias().value().toFloatArray(), 1e-6f);
            assertEquals(List.of(4f), List.of(online.weight().value().toFloatArray()[0]), "the source is unchanged");
        }
    }
}
