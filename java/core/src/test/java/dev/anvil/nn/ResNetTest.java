package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** fmnist-resnet, residual blocks and BatchNorm through the public API: structure, names, gradients. */
class ResNetTest {
    @BeforeEach
    void seed() {
        Init.manualSeed(5);
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Names, types and shapes of a safetensors file's tensors, from its JSON header (format: 8-byte length, JSON). */
    static Map<String, String> safetensorsHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        Map<String, String> out = new TreeMap<>();
        Matcher m = Pattern.compile("\"([^\"]+)\":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[([0-9, ]*)]").matcher(json.replace(" ", ""));
        while (m.find()) out.put(m.group(1), m.group(2) + "[" + m.group(3).replace(",", ", ") + "]");
        return out;
    }

    private static String safetensorsType(DType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case INT32 -> "I32";
            case INT64 -> "I64";
        };
    }

    /** The same state dict keys, types and shapes as PyTorch's FmnistResNet (the fixture written by it). */
    @Test
    void stateDictMatchesPyTorchsFmnistResNet() throws IOException {
        Path fixture = Path.of(System.getProperty("anvil.fixturesDir", "../../../shared/fixtures"), "fmnist_resnet.safetensors");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(fixture), "no fixture at " + fixture);
        Map<String, String> pytorch = safetensorsHeader(fixture);
        try (Sequential model = Models.fmnistResNet()) {
            Map<String, String> mine = new TreeMap<>();
            model.stateDict().forEach((k, t) -> mine.put(k, safetensorsType(t.dtype()) + t.shapeString()));
            assertEquals(pytorch, mine);
            assertEquals(272_186, model.parameterCount());
        }
    }

    @Test
    void blocksAreNamedByTheirPathsInMessagesAndStateDict() {
        try (Sequential model = Models.fmnistResNet(); Tensor x = Tensor.zeros(2, 3, 28, 28)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(x));
            assertTrue(e.getMessage().startsWith("stem.0 (Conv2d): expected 1 input channels"), e.getMessage());
            Layer conv1 = ((Sequential) model.children().get(1).layer()).children().get(4).layer().children().get(0).layer();
            assertEquals("stages.4.conv1", conv1.path());
            assertTrue(model.stateDict().containsKey("stages.3.shortcut.1.running_var"));
        }
    }

    @Test
    void trainingStepRunsAndEvalUsesRunningStatistics() {
        try (Sequential model = Models.fmnistResNet(); Tensor x = Tensor.of(LayerGradientTest.random(4 * 784, 3, 0, 1), 4, 1, 28, 28)) {
            Tensor y = model.forward(x);
            assertArrayEquals(new long[] {4, 10}, y.shape());
            try (Tensor dy = Tensor.of(LayerGradientTest.random(40, 4, -1, 1), 4, 10)) {
                assertNotNull(model.backward(dy));
            }
            Tensor tracked = model.stateDict().get("stem.1.num_batches_tracked");
            assertArrayEquals(new long[] {1}, tracked.toLongArray());
            float[] mean = model.stateDict().get("stem.1.running_mean").toFloatArray();
            assertFalse(Arrays.equals(new float[16], mean), "running mean updated");
            model.eval();
            float[] first = model.forward(x).toFloatArray();
            assertArrayEquals(first, model.forward(x).toFloatArray(), "evaluation does not change the statistics");
            assertArrayEquals(new long[] {1}, model.stateDict().get("stem.1.num_batches_tracked").toLongArray());
        }
    }

    /** A step of 1e-4: with two ReLUs in a block, a larger step crosses their kinks; float rounding divided by 2h stays far below the tolerance. */
    @Test
    void residualBlocksGradientsMatchFiniteDifferences() {
        try (Residual block = Models.basicBlock(2, 3, 2); Tensor x = Tensor.of(LayerGradientTest.random(2 * 2 * 6 * 6, 6, -1, 1), 2, 2, 6, 6)) {
            LayerGradientTest.checkGradients(block, x, 1e-4f);
        }
        try (Residual block = Models.basicBlock(2, 2, 1); Tensor x = Tensor.of(LayerGradientTest.random(2 * 2 * 5 * 5, 7, -1, 1), 2, 2, 5, 5)) {
            LayerGradientTest.checkGradients(block, x, 1e-4f);
        }
    }

    @Test
    void batchNormGradientsInTrainingAndEvaluation() {
        try (BatchNorm2d bn = new BatchNorm2d(3); Tensor x = Tensor.of(LayerGradientTest.random(4 * 3 * 3 * 2, 8, -2, 2), 4, 3, 3, 2)) {
            LayerGradientTest.checkGradients(bn, x, 1e-2f);
        }
        try (BatchNorm1d bn = new BatchNorm1d(5); Tensor x = Tensor.of(LayerGradientTest.random(6 * 5, 9, -2, 2), 6, 5)) {
            LayerGradientTest.checkGradients(bn, x, 1e-2f);
        }
    }

    @Test
    void batchNormFollowedByReluRunsFusedWithTheSameResult() {
        try (Tensor x = Tensor.of(LayerGradientTest.random(4 * 3 * 4, 10, -2, 2), 4, 3, 2, 2);
             BatchNorm2d alone = new BatchNorm2d(3); ReLU relu = new ReLU();
             Sequential fused = new Sequential(new BatchNorm2d(3), new ReLU())) {
            float[] expected = relu.forward(alone.forward(x)).toFloatArray();
            assertArrayEquals(expected, fused.forward(x).toFloatArray());
            assertEquals(1, fused.executionOrder().size(), "the ReLU runs inside the BatchNorm");
            assertTrue(fused.children().get(0).layer().toString().contains("+ReLU"));
        }
    }

    @Test
    void batchNormRefusesOneValuePerChannelInTraining() {
        try (BatchNorm1d bn = new BatchNorm1d(4); Tensor x = Tensor.zeros(1, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(x));
            assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
            bn.eval();
            bn.forward(x);
        }
    }

    @Test
    void mismatchedResidualPathsAreRefusedNamingBoth() {
        Residual bad = Residual.builder().add("conv", Conv2d.builder(2, 3, 3).padding(1).build()).build();
        try (bad; Tensor x = Tensor.zeros(1, 2, 4, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.forward(x));
            assertTrue(e.getMessage().contains("main path gives [1, 3, 4, 4] but the shortcut gives [1, 2, 4, 4]"), e.getMessage());
        }
    }
}
