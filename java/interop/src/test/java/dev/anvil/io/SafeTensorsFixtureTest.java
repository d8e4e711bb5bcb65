package dev.anvil.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.DType;
import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.nn.Layer;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * PyTorch 1.13 state dicts of the two reference models, read from safetensors into Anvil's models:
 * Anvil's eval-mode forward must give PyTorch's eval-mode logits (stored beside them) within 1e-4
 * of the largest logit.
 */
class SafeTensorsFixtureTest extends LeakChecked {
    @TempDir
    Path dir;

    @Test
    void inputsFileHoldsImagesAndInt64Labels() throws Exception {
        try (SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"))) {
            Tensor x = in.get("x");
            assertArrayEquals(new long[] {16, 1, 28, 28}, x.shape());
            assertEquals(DType.INT64, in.get("labels").dtype());
            // The Fashion-MNIST test set begins with an ankle boot (9), a pullover (2) and two trousers (1).
            long[] labels = in.get("labels").toLongArray();
            assertArrayEquals(new long[] {9, 2, 1, 1}, java.util.Arrays.copyOf(labels, 4));
            assertTrue(in.metadata().get("what").contains("Fashion-MNIST"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.anvil.io.Fixtures#referenceModels")
    void reproducesPyTorchLogits(String name, Supplier<Layer> factory) throws Exception {
        try (Layer model = factory.get(); Fixtures.Reference ref = Fixtures.reference(name)) {
            model.resetParameters(7); // anything but PyTorch's values, so that the load must change them
            SafeTensors.load(Fixtures.file(name + ".safetensors"), model, true);
            model.eval();
            float[] expected = ref.expected();
            assertLogits(expected, model.forward(ref.x()).toFloatArray(), name);

            // Our own file of the loaded model gives the same logits in a fresh model.
            Path out = dir.resolve(name + ".safetensors");
            SafeTensors.save(out, model, Map.of("source", name));
            try (Layer again = factory.get()) {
                assertEquals(Map.of("source", name), SafeTensors.load(out, again, true));
                again.eval();
                assertLogits(expected, again.forward(ref.x()).toFloatArray(), name + " (written and read back)");
            }
        }
    }

    private static void assertLogits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        float largest = 0;
        for (float v : expected) largest = Math.max(largest, Math.abs(v));
        float worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        LoggerFactory.getLogger(SafeTensorsFixtureTest.class).info("{}: largest difference from PyTorch's logits {} (largest logit {})",
                what, worst, largest);
        assertTrue(worst <= 1e-4f * largest, what + ": largest difference from PyTorch " + worst + ", largest logit " + largest);
    }
}
