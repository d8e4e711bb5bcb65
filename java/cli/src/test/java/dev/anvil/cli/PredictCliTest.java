package dev.anvil.cli;

import static dev.anvil.cli.CliTest.anvil;
import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.infer.Predictor;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** anvil predict and anvil export on a checkpoint as anvil train writes it. */
class PredictCliTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private Path image(String name, int size) throws Exception {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) img.getRaster().setSample(x, y, 0, (x * 7 + y * 3) % 256);
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test
    void zeroWeightsGiveUniformProbabilities() throws Exception {
        Path ckpt = dir.resolve("zero.ckpt");
        try (Sequential m = Models.fashionMnistCnn()) {
            m.parameters().forEach(p -> p.value().zero());
            Checkpoint.save(ckpt, m, null, Map.of());
        }
        CliTest.Result r = anvil("predict", "--model", ckpt.toString(), "--top", "3", image("a.png", 28).toString());
        assertEquals(0, r.code(), r.err());
        // All logits 0: every class 1/10; ties are listed by label.
        assertTrue(r.out().contains("  1. T-shirt/top          0.1000"), r.out());
        assertTrue(r.out().contains("  3. Pullover             0.1000"), r.out());
        assertFalse(r.out().contains("  4."), r.out());
    }

    @Test
    void predictAndExportAgreeWithThePredictor() throws Exception {
        Path ckpt = dir.resolve("cnn.ckpt");
        Path a = image("a.png", 28), big = image("big.png", 40);
        List<Predictor.Prediction> expected;
        try (Sequential m = Models.fashionMnistCnn()) {
            m.resetParameters(5);
            Checkpoint.save(ckpt, m, null, Map.of());
            try (Predictor p = Predictor.builder(m).build()) {
                expected = p.predict(a, 2);
            }
        }
        CliTest.Result r = anvil("predict", "--model", ckpt.toString(), "--top", "2", a.toString(), big.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(6, lines.size(), r.out());
        assertEquals(a.toString(), lines.get(0));
        assertTrue(lines.get(1).contains(String.format("%.4f", expected.get(0).probability())), r.out());
        assertTrue(lines.get(1).contains(dev.anvil.infer.ModelFile.FASHION_MNIST_CLASSES.get(expected.get(0).index())), r.out());

        Path model = dir.resolve("model.safetensors");
        CliTest.Result e = anvil("export", "--model", ckpt.toString(), "--arch", "cnn", "--out", model.toString(),
                "--classes", "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9");
        assertEquals(0, e.code(), e.err());
        CliTest.Result again = anvil("predict", "--model", model.toString(), "--top", "2", a.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("1. c" + expected.get(0).index() + " "), again.out());
        assertTrue(again.out().contains(String.format("%.4f", expected.get(1).probability())), again.out());

        Path onnx = dir.resolve("model.onnx");
        CliTest.Result o = anvil("export", "--model", model.toString(), "--out", onnx.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("ONNX opset 14, fmnist-cnn"), o.out());
        // A serialised ModelProto starts with field 1 (ir_version, varint): byte 0x08, then 7.
        byte[] head = java.nio.file.Files.readAllBytes(onnx);
        assertEquals(0x08, head[0]);
        assertEquals(7, head[1]);
    }

    @Test
    void badInputIsReported() throws Exception {
        Path ckpt = dir.resolve("cnn.ckpt");
        try (Sequential m = Models.fashionMnistCnn()) {
            Checkpoint.save(ckpt, m, null, Map.of());
        }
        CliTest.Result missing = anvil("predict", "--model", ckpt.toString(), dir.resolve("none.png").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("none.png"), missing.err());
        CliTest.Result arch = anvil("predict", "--model", ckpt.toString(), "--arch", "vgg", image("a.png", 28).toString());
        assertTrue(arch.err().contains("unknown --arch 'vgg'"), arch.err());
        CliTest.Result wrong = anvil("predict", "--model", ckpt.toString(), "--arch", "resnet", image("a.png", 28).toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("does not fit"), wrong.err());
        assertEquals(2, anvil("predict", "--model", ckpt.toString()).code(), "no image: a usage error");
    }
}
