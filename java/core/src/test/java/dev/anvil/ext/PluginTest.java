package dev.anvil.ext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.ops.GradCheck;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The example LeakyReLU plug-in and the failing test plug-ins, through the Java API. */
class PluginTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("anvil.examplesDir", "bindings/java/target/cmake/examples"));
    private static final Path TEST_PLUGINS = Path.of(System.getProperty("anvil.testPluginDir", "."));
    private static final Path LEAKY = EXAMPLES.resolve("libanvil_leaky_relu.so");

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    @Test
    void describesItsOps() {
        try (Plugin p = Plugin.load(LEAKY)) {
            assertEquals(List.of("leaky_relu"), p.ops());
            assertEquals(1, p.numParams("leaky_relu"));
            assertTrue(p.toString().contains("leaky_relu"));
        }
    }

    @Test
    void forwardAndBackwardMatchLeakyRelu() {
        float slope = 0.1f;
        float[] x = {-2f, -0.5f, 0.25f, 3f, -1f, 0f};
        float[] dy = {1f, 2f, 3f, 4f, 5f, 6f};
        try (Plugin p = Plugin.load(LEAKY); PluginLayer layer = p.layer("leaky_relu", slope);
                Tensor tx = Tensor.of(x, 2, 3); Tensor tdy = Tensor.of(dy, 2, 3)) {
            float[] y = layer.forward(tx).toFloatArray();
            float[] dx = layer.backward(tdy).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i] > 0 ? x[i] : slope * x[i], y[i], 1e-7f, "y[" + i + "]");
                assertEquals(x[i] > 0 ? dy[i] : slope * dy[i], dx[i], 1e-7f, "dx[" + i + "]");
            }
        }
    }

    /** Central differences of sum(y * r) with respect to x, away from the kink at 0. */
    @Test
    void gradientMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(7);
        int n = 40;
        float[] x = new float[n], r = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextDouble(0.1, 1.0) * (rng.nextBoolean() ? 1 : -1));
            r[i] = (float) rng.nextDouble(-1, 1);
        }
        try (Plugin p = Plugin.load(LEAKY); PluginLayer layer = p.layer("leaky_relu", 0.2f);
                Tensor tx = Tensor.of(x, 4, 10); Tensor tr = Tensor.of(r, 4, 10)) {
            layer.forward(tx);
            float[] analytic = layer.backward(tr).toFloatArray();
            GradCheck.check("leaky_relu dx", in -> {
                try (Tensor t = Tensor.of(in, 4, 10)) {
                    return layer.forward(t).toFloatArray();
                }
            }, x, r, analytic, 1e-2);
        }
    }

    @Test
    void trainsInsideAModel() {
        Init.manualSeed(3);
        float[] x = new float[64 * 4];
        int[] labels = new int[64];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) rng.nextDouble(-1, 1);
            labels[i] = x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0;
        }
        try (Plugin p = Plugin.load(LEAKY);
                Sequential model = new Sequential(new Linear(4, 16), p.layer("leaky_relu", 0.01f), new Linear(16, 2));
                SGD sgd = SGD.builder().lr(0.1).momentum(0.9).build(model.parameters());
                CrossEntropyLoss loss = new CrossEntropyLoss();
                Tensor tx = Tensor.of(x, 64, 4); Tensor ty = Tensor.ofInts(labels, 64)) {
            float first = 0, last = 0;
            for (int step = 0; step < 60; step++) {
                sgd.zeroGrad();
                last = loss.forward(model.forward(tx), ty);
                if (step == 0) first = last;
                model.backward(loss.backward(), false);
                sgd.step();
            }
            assertTrue(last < first / 3, "loss went from " + first + " to " + last);
        }
    }

    @Test
    void badArgumentsAreRejectedClearly() {
        try (Plugin p = Plugin.load(LEAKY)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.layer("leaky_relu"));
            assertTrue(e.getMessage().contains("takes 1 hyper-parameter(s), got 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.layer("gelu", 1f));
            assertTrue(e.getMessage().contains("no op 'gelu'") && e.getMessage().contains("leaky_relu"), e.getMessage());
            try (PluginLayer layer = p.layer("leaky_relu", -1f); Tensor x = Tensor.zeros(3)) {
                e = assertThrows(IllegalArgumentException.class, () -> layer.forward(x));
                assertTrue(e.getMessage().contains("leaky_relu") && e.getMessage().contains("[3]"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Plugin.load(EXAMPLES.resolve("no-such-plugin.so")));
    }

    @Test
    void pluginOutlivesItsLayers() {
        Plugin p = Plugin.load(LEAKY);
        PluginLayer layer = p.layer("leaky_relu", 0.5f);
        IllegalStateException e = assertThrows(IllegalStateException.class, p::close);
        assertTrue(e.getMessage().contains("1 open layer"), e.getMessage());
        layer.close();
        p.close();
        p.close();
        assertThrows(IllegalStateException.class, () -> p.layer("leaky_relu", 0.5f));
    }

    @Test
    void pluginOfAnotherAbiVersionIsRefusedNamingBoth() {
        AnvilException e = assertThrows(AnvilException.class, () -> Plugin.load(TEST_PLUGINS.resolve("libanvil_test_wrong_abi.so")));
        assertEquals(AnvilException.Status.UNSUPPORTED, e.status());
        assertTrue(e.getMessage().contains("version 99") && e.getMessage().contains("versions 1, 2 and 3"), e.getMessage());
    }

    @Test
    void failingOpGivesItsMessage() {
        try (Plugin p = Plugin.load(TEST_PLUGINS.resolve("libanvil_test_faulty.so"));
                PluginLayer layer = p.layer("fail"); Tensor x = Tensor.zeros(2, 5)) {
            AnvilException e = assertThrows(AnvilException.class, () -> layer.forward(x));
            assertEquals(AnvilException.Status.PLUGIN, e.status());
            assertTrue(e.getMessage().contains("plug-in faulty op fail") && e.getMessage().contains("out of widgets for 10"),
                    e.getMessage());
        }
    }

    @Test
    void shapesComeFromThePlugin() {
        try (Plugin p = Plugin.load(LEAKY); PluginLayer layer = p.layer("leaky_relu", 0.5f)) {
            assertArrayEquals(new long[] {2, 3, 4}, layer.outputShape(new long[] {2, 3, 4}));
            assertThrows(IllegalArgumentException.class, () -> layer.outputShape(new long[9]));
        }
    }
}
