package dev.anvil.infer;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.io.FileFormatException;
import dev.anvil.io.Fixtures;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest extends LeakChecked {
    @TempDir
    Path dir;

    @Test
    void aModelFileRebuildsThePredictorWithoutCode() throws Exception {
        Path file = dir.resolve("resnet.safetensors");
        ModelFile.Info info = new ModelFile.Info("fmnist-resnet", ModelFile.FASHION_MNIST_CLASSES, 1, 28, 28, null, null);
        try (Sequential m = Models.fmnistResNet()) {
            SafeTensors.load(Fixtures.file("fmnist_resnet.safetensors"), m, true);
            ModelFile.save(file, m, info);
        }
        ModelFile.Info read = ModelFile.info(file);
        assertEquals(info.architecture(), read.architecture());
        assertEquals(info.classes(), read.classes());
        assertEquals(28, read.height());
        assertNull(read.mean());
        try (Predictor p = ModelFile.load(file); SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"))) {
            // PyTorch 1.13: softmax(fmnist_resnet logits)[0].topk(3) = indices [8, 5, 6], values [0.951325, 0.0472794, 0.000567607].
            List<Predictor.Prediction> top = p.topK(in.get("x"), 3).get(0);
            assertEquals(List.of(8, 5, 6), top.stream().map(Predictor.Prediction::index).toList());
            assertEquals("Bag", top.get(0).label());
            assertEquals(0.951325f, top.get(0).probability(), 1e-4f);
            assertEquals(0.0472794f, top.get(1).probability(), 1e-4f);
        }
    }

    @Test
    void normalisationRoundTrips() throws Exception {
        Path file = dir.resolve("cnn.safetensors");
        ModelFile.Info info = new ModelFile.Info("fmnist-cnn", List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), 1, 28, 28,
                new float[] {0.2860f}, new float[] {0.3530f});
        try (Layer m = ModelFile.create("fmnist-cnn")) {
            ModelFile.save(file, m, info);
        }
        ModelFile.Info read = ModelFile.info(file);
        assertArrayEquals(new float[] {0.2860f}, read.mean());
        assertArrayEquals(new float[] {0.3530f}, read.std());
        assertEquals("j", read.classes().get(9));
    }

    @Test
    void badFilesAndArgumentsAreReported() throws Exception {
        Path plain = dir.resolve("plain.safetensors");
        try (Sequential m = Models.fashionMnistCnn()) {
            SafeTensors.save(plain, m, Map.of());
            FileFormatException e = assertThrows(FileFormatException.class, () -> ModelFile.load(plain));
            assertTrue(e.getMessage().contains("without an Anvil model description"), e.getMessage());
            ModelFile.Info unknown = new ModelFile.Info("vgg", List.of("x"), 3, 32, 32, null, null);
            IllegalArgumentException arch = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(plain, m, unknown));
            assertTrue(arch.getMessage().contains("unknown architecture 'vgg'; known: [fmnist-cnn, fmnist-resnet]"), arch.getMessage());
            // Metadata for the ResNet on the CNN's weights: the load names the mismatch and leaks nothing.
            SafeTensors.save(plain, m, Map.of(ModelFile.ARCHITECTURE, "fmnist-resnet", ModelFile.CLASSES, "[\"a\"]", ModelFile.INPUT, "1x28x28"));
            FileFormatException wrong = assertThrows(FileFormatException.class, () -> ModelFile.load(plain));
            assertTrue(wrong.getMessage().contains("does not fit"), wrong.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ModelFile.Info("fmnist-cnn", List.of(), 1, 28, 28, null, null));
        assertThrows(IllegalArgumentException.class, () -> new ModelFile.Info("fmnist-cnn", List.of("a"), 2, 28, 28, null, null));
        assertThrows(IllegalArgumentException.class, () -> new ModelFile.Info("fmnist-cnn", List.of("a"), 1, 28, 28, new float[] {0}, null));
    }
}
