package dev.anvil.ext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plug-in ops of ABI version 3 through the Java API: the example BatchNorm keeps running statistics
 * as buffers and is told the model's mode. It must do exactly what the built-in BatchNorm2d (itself
 * PyTorch's BatchNorm2d) does, in training and in evaluation; its buffers are in the state dict,
 * checkpoints and resets like a built-in layer's.
 */
class PluginStateTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("anvil.examplesDir", "bindings/java/target/cmake/examples"));
    private static final Path TEST_PLUGINS = Path.of(System.getProperty("anvil.testPluginDir", "."));
    private static final Path BATCH_NORM = EXAMPLES.resolve("libanvil_batch_norm.so");

    @TempDir
    Path tmp;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static Tensor random(SplittableRandom rng, long... shape) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextDouble(-2, 3);
        return Tensor.of(v, shape);
    }

    /** Five training steps on different batches, then evaluation: outputs, gradients and running statistics agree. */
    @Test
    void matchesTheBuiltInBatchNormInTrainingAndEvaluation() {
        SplittableRandom rng = new SplittableRandom(7);
        int n = 4, c = 3, h = 5, w = 5;
        try (Plugin p = Plugin.load(BATCH_NORM); PluginLayer plugin = p.layer("batch_norm", c, 1e-5f, 0.1f);
                BatchNorm2d builtIn = new BatchNorm2d(c)) {
            assertEquals(List.of("weight", "bias", "running_mean", "running_var"), List.copyOf(plugin.stateDict().keySet()));
            assertArrayEquals(new float[] {0, 0, 0}, plugin.stateDict().get("running_mean").toFloatArray());
            assertArrayEquals(new float[] {1, 1, 1}, plugin.stateDict().get("running_var").toFloatArray());
            float[] gamma = {0.5f, 1.5f, -1f}, beta = {0.1f, -0.2f, 0.3f};
            plugin.namedParameters().get("weight").value().copyFrom(gamma);
            plugin.namedParameters().get("bias").value().copyFrom(beta);
            builtIn.namedParameters().get("weight").value().copyFrom(gamma);
            builtIn.namedParameters().get("bias").value().copyFrom(beta);
            for (int step = 0; step < 5; step++) {
                try (Tensor x = random(rng, n, c, h, w); Tensor dy = random(rng, n, c, h, w)) {
                    assertArrayEquals(builtIn.forward(x).toFloatArray(), plugin.forward(x).toFloatArray(), 1e-5f, "y, step " + step);
                    assertArrayEquals(builtIn.backward(dy).toFloatArray(), plugin.backward(dy).toFloatArray(), 1e-4f, "dx, step " + step);
                }
                assertStatisticsEqual(builtIn, plugin, "after step " + step);
            }
            float[] mean = plugin.stateDict().get("running_mean").toFloatArray();
            assertTrue(Math.abs(mean[0]) > 0.05, "five steps of momentum 0.1 moved the running mean: " + mean[0]);

            plugin.eval();
            builtIn.eval();
            try (Tensor x = random(rng, n, c, h, w); Tensor one = random(rng, 1, c, 1, 1)) {
                assertArrayEquals(builtIn.forward(x).toFloatArray(), plugin.forward(x).toFloatArray(), 1e-5f, "y in evaluation");
                // One value per channel is fine in evaluation (running statistics), as in PyTorch.
                assertArrayEquals(builtIn.forward(one).toFloatArray(), plugin.forward(one).toFloatArray(), 1e-5f, "y of a batch of 1");
            }
            assertStatisticsEqual(builtIn, plugin, "after evaluation, which must not change them");
        }
    }

    private static void assertStatisticsEqual(BatchNorm2d builtIn, PluginLayer plugin, String when) {
        for (String key : List.of("running_mean", "running_var")) {
            assertArrayEquals(builtIn.stateDict().get(key).toFloatArray(), plugin.stateDict().get(key).toFloatArray(), 1e-6f,
                    key + " " + when);
        }
    }

    /** A CNN with the plug-in in place of BatchNorm2d trains, and its checkpoint restores weights and buffers exactly. */
    @Test
    void buffersAreSavedLoadedAndReset() throws Exception {
        Init.manualSeed(3);
        SplittableRandom rng = new SplittableRandom(3);
        Path file = tmp.resolve("model.ckpt");
        try (Plugin p = Plugin.load(BATCH_NORM); Tensor x = random(rng, 8, 1, 6, 6)) {
            float[] trained;
            Map<String, float[]> state = new HashMap<>();
            try (Sequential model = model(p)) {
                for (int step = 0; step < 3; step++) model.forward(x);
                model.eval();
                trained = model.forward(x).toFloatArray();
                model.stateDict().forEach((k, v) -> state.put(k, v.toFloatArray()));
                assertTrue(state.containsKey("1.running_mean") && state.containsKey("1.running_var"), state.keySet().toString());
                Checkpoint.save(file, model, null, Map.of());
            }
            try (Sequential fresh = model(p)) {
                Checkpoint.load(file, fresh, null);
                fresh.eval();
                assertArrayEquals(trained, fresh.forward(x).toFloatArray(), "evaluation after loading the checkpoint");
                assertArrayEquals(state.get("1.running_var"), fresh.stateDict().get("1.running_var").toFloatArray());
                // A state dict with a buffer of the wrong shape is refused and changes nothing.
                try (Tensor wrong = Tensor.zeros(5)) {
                    Map<String, Tensor> bad = new HashMap<>(fresh.stateDict());
                    bad.put("1.running_mean", wrong);
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(bad, true));
                    assertTrue(e.getMessage().contains("1.running_mean has shape [5] but the model's is [4]"), e.getMessage());
                }
                assertArrayEquals(state.get("1.running_mean"), fresh.stateDict().get("1.running_mean").toFloatArray());
                // Resetting the parameters resets the running statistics, as PyTorch's reset_parameters does.
                fresh.resetParameters(1);
                assertArrayEquals(new float[] {0, 0, 0, 0}, fresh.stateDict().get("1.running_mean").toFloatArray());
                assertArrayEquals(new float[] {1, 1, 1, 1}, fresh.stateDict().get("1.running_var").toFloatArray());
            }
        }
    }

    private static Sequential model(Plugin p) {
        return new Sequential(new Conv2d(1, 4, 3), p.layer("batch_norm", 4f, 1e-5f, 0.1f), new Flatten(), new Linear(64, 2));
    }

    @Test
    void badStateIsRefusedClearly() {
        try (Plugin p = Plugin.load(BATCH_NORM); PluginLayer bn = p.layer("batch_norm", 3f, 1e-5f, 0.1f);
                Tensor one = Tensor.zeros(1, 3)) {
            // Training on one value per channel has no batch variance: refused, and the running statistics kept.
            AnvilException e = assertThrows(AnvilException.class, () -> bn.forward(one));
            assertEquals(AnvilException.Status.PLUGIN, e.status());
            assertTrue(e.getMessage().contains("needs more than one value per channel in training"), e.getMessage());
            assertArrayEquals(new float[] {1, 1, 1}, bn.stateDict().get("running_var").toFloatArray());
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> p.layer("batch_norm", 3f, 1e-5f, 2f));
            assertTrue(m.getMessage().contains("momentum must be in [0, 1], got 2"), m.getMessage());
        }
        for (int bad = 1; bad <= 6; bad++) {
            Path lib = TEST_PLUGINS.resolve("libanvil_test_bad_v3_" + bad + ".so");
            AnvilException e = assertThrows(AnvilException.class, () -> Plugin.load(lib));
            assertTrue(e.getMessage().contains("bad_v3_" + bad), e.getMessage());
        }
    }
}
