package dev.anvil.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anvil.nn.Layer;
import dev.anvil.nn.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The PyTorch-made fixtures ({@code shared/fixtures} beside the checkout; the build passes the
 * folder as the system property {@code anvil.shared}). Tests that need them are skipped, with the
 * reason in the report, where they are absent.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The fixture file {@code name}, or a skipped test if the fixtures are not there. */
    public static Path file(String name) {
        String shared = System.getProperty("anvil.shared", "");
        Path dir = shared.isEmpty() ? null : Path.of(shared, "fixtures");
        assumeTrue(dir != null && Files.isRegularFile(dir.resolve(name)),
                "PyTorch fixture " + name + " not found (system property anvil.shared=" + shared + "): skipped");
        return dir.resolve(name);
    }

    /** The two PyTorch reference models: fixture name and the Anvil model of the same architecture. */
    public static Stream<Arguments> referenceModels() {
        return Stream.of(Arguments.of("fmnist_cnn", (Supplier<Layer>) Models::fashionMnistCnn),
                Arguments.of("fmnist_resnet", (Supplier<Layer>) Models::fmnistResNet));
    }

    /** The fixture inputs and PyTorch's logits for reference model {@code name}; closing closes both. */
    public record Reference(SafeTensors.Contents inputs, SafeTensors.Contents logits) implements AutoCloseable {
        /** The 16 input images, float32 [16, 1, 28, 28]. */
        public dev.anvil.Tensor x() {
            return inputs.get("x");
        }

        /** PyTorch's eval-mode logits for them, [16, 10] flattened. */
        public float[] expected() {
            return logits.get("logits").toFloatArray();
        }

        @Override
        public void close() {
            inputs.close();
            logits.close();
        }
    }

    /** Opens the inputs and the logits of reference model {@code name} (skipped where the fixtures are absent). */
    public static Reference reference(String name) throws java.io.IOException {
        SafeTensors.Contents in = SafeTensors.read(file("inputs.safetensors"));
        try {
            return new Reference(in, SafeTensors.read(file(name + ".logits.safetensors")));
        } catch (java.io.IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
