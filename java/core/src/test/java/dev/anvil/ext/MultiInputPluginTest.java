package dev.anvil.ext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Residual;
import dev.anvil.nn.Sequential;
import dev.anvil.ops.GradCheck;
import dev.anvil.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plug-in ops with several inputs and weights through the Java API: the example fused add + ReLU
 * (two inputs, ABI version 2) and BatchNorm (weights, ABI version 3) in training mode, against
 * double references and finite differences of every input and weight, inside containers (a
 * Residual's merge), trained, saved and loaded; bad arguments and malformed plug-ins. Buffers and
 * evaluation mode: {@link PluginStateTest}.
 */
class MultiInputPluginTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("anvil.examplesDir", "bindings/java/target/cmake/examples"));
    private static final Path TEST_PLUGINS = Path.of(System.getProperty("anvil.testPluginDir", "."));
    private static final Path ADD_RELU = EXAMPLES.resolve("libanvil_add_relu.so");
    private static final Path BATCH_NORM = EXAMPLES.resolve("libanvil_batch_norm.so");
    private static final float EPS = 1e-5f, MOMENTUM = 0.1f;

    @TempDir
    Path tmp;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static float[] random(SplittableRandom rng, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextDouble(lo, hi);
        return v;
    }

    @Test
    void addReluMatchesItsReferenceAndFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 24;
        float[] a = random(rng, n, -1, 1), b = random(rng, n, -1, 1), r = random(rng, n, -1, 1);
        for (int i = 0; i < n; i++) {
            if (Math.abs(a[i] + b[i]) < 0.1) a[i] += 0.3f; // away from the kink, for the differences
        }
        try (Plugin p = Plugin.load(ADD_RELU); PluginLayer layer = p.layer("add_relu");
                Tensor ta = Tensor.of(a, 2, 3, 4); Tensor tb = Tensor.of(b, 2, 3, 4); Tensor tr = Tensor.of(r, 2, 3, 4)) {
            assertEquals(2, p.numInputs("add_relu"));
            assertEquals(2, layer.numInputs());
            assertTrue(layer.namedParameters().isEmpty());
            float[] y = layer.forward(ta, tb).toFloatArray();
            Tensor[] grads = layer.backwardInputs(tr);
            float[] da = grads[0].toFloatArray(), db = grads[1].toFloatArray();
            for (int i = 0; i < n; i++) {
                double sum = (double) a[i] + b[i];
                assertEquals(Math.max(sum, 0), y[i], 1e-6, "y[" + i + "]");
                assertEquals(sum > 0 ? r[i] : 0, da[i], 0, "da[" + i + "]");
                assertEquals(sum > 0 ? r[i] : 0, db[i], 0, "db[" + i + "]");
            }
            GradCheck.check("add_relu da", in -> {
                try (Tensor t = Tensor.of(in, 2, 3, 4)) {
                    return layer.forward(t, tb).toFloatArray();
                }
            }, a, r, da, 1e-2);
            GradCheck.check("add_relu db", in -> {
                try (Tensor t = Tensor.of(in, 2, 3, 4)) {
                    return layer.forward(ta, t).toFloatArray();
                }
            }, b, r, db, 1e-2);
        }
    }

    /** y = (x - mean) / sqrt(var + eps) * weight + bias per channel of [n, c, s], in double. */
    private static double[] batchNormReference(float[] x, float[] w, float[] b, int n, int c, int s) {
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) mean += x[(i * c + ch) * s + j];
            mean /= n * s;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) var += Math.pow(x[(i * c + ch) * s + j] - mean, 2);
            var /= n * s;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    int k = (i * c + ch) * s + j;
                    y[k] = (x[k] - mean) / Math.sqrt(var + EPS) * w[ch] + b[ch];
                }
            }
        }
        return y;
    }

    @Test
    void batchNormWeightsAreParametersCheckedAgainstReferenceAndFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(2);
        int n = 3, c = 4, s = 5;
        float[] x = random(rng, n * c * s, -2, 3), r = random(rng, n * c * s, -1, 1);
        float[] w = random(rng, c, 0.5, 1.5), b = random(rng, c, -1, 1);
        try (Plugin p = Plugin.load(BATCH_NORM); PluginLayer layer = p.layer("batch_norm", c, EPS, MOMENTUM);
                Tensor tx = Tensor.of(x, n, c, s); Tensor tr = Tensor.of(r, n, c, s)) {
            Map<String, Parameter> params = layer.namedParameters();
            assertEquals(List.of("weight", "bias"), List.copyOf(params.keySet()));
            Parameter weight = params.get("weight"), bias = params.get("bias");
            // Initialised as the op declares: ones and zeros, like PyTorch's BatchNorm.
            assertArrayEquals(new float[] {1, 1, 1, 1}, weight.value().toFloatArray());
            assertArrayEquals(new float[] {0, 0, 0, 0}, bias.value().toFloatArray());
            weight.value().copyFrom(w);
            bias.value().copyFrom(b);

            float[] y = layer.forward(tx).toFloatArray();
            double[] want = batchNormReference(x, w, b, n, c, s);
            for (int i = 0; i < y.length; i++) assertEquals(want[i], y[i], 1e-5, "y[" + i + "]");

            weight.zeroGrad();
            bias.zeroGrad();
            float[] dx = layer.backward(tr).toFloatArray();
            float[] dw = weight.grad().toFloatArray(), db = bias.grad().toFloatArray();
            GradCheck.check("batch_norm dx", in -> {
                try (Tensor t = Tensor.of(in, n, c, s)) {
                    return layer.forward(t).toFloatArray();
                }
            }, x, r, dx, 1e-2);
            GradCheck.check("batch_norm dweight", in -> {
                weight.value().copyFrom(in);
                return layer.forward(tx).toFloatArray();
            }, w, r, dw, 1e-2);
            weight.value().copyFrom(w);
            GradCheck.check("batch_norm dbias", in -> {
                bias.value().copyFrom(in);
                return layer.forward(tx).toFloatArray();
            }, b, r, db, 1e-2);

            // A second backward without zeroGrad adds to the parameters' gradients, as in PyTorch.
            bias.value().copyFrom(b);
            layer.forward(tx);
            layer.backward(tr);
            float[] twice = bias.grad().toFloatArray();
            for (int i = 0; i < c; i++) assertEquals(2 * db[i], twice[i], 1e-4, "accumulated dbias[" + i + "]");
        }
    }

    /** A residual block merged by add_relu computes what the built-in add followed by ReLU does, forward and backward. */
    @Test
    void addReluMergeOfAResidualMatchesAddThenRelu() {
        SplittableRandom rng = new SplittableRandom(4);
        float[] x = random(rng, 8 * 6, -1, 1), r = random(rng, 8 * 6, -1, 1);
        try (Plugin p = Plugin.load(ADD_RELU);
                Residual fused = Residual.builder().add("fc", new Linear(6, 6)).merge("add", p.layer("add_relu")).build();
                Residual plain = Residual.builder().add("fc", new Linear(6, 6)).after("relu", new ReLU()).build();
                Tensor tx = Tensor.of(x, 8, 6); Tensor tr = Tensor.of(r, 8, 6)) {
            plain.loadStateDict(fused.stateDict(), true);
            assertEquals(List.of("fc.weight", "fc.bias"), List.copyOf(fused.stateDict().keySet()));
            assertArrayEquals(plain.forward(tx).toFloatArray(), fused.forward(tx).toFloatArray(), 1e-6f);
            fused.parameters().forEach(Parameter::zeroGrad);
            plain.parameters().forEach(Parameter::zeroGrad);
            assertArrayEquals(plain.backward(tr).toFloatArray(), fused.backward(tr).toFloatArray(), 1e-6f);
            assertArrayEquals(plain.namedParameters().get("fc.weight").grad().toFloatArray(),
                    fused.namedParameters().get("fc.weight").grad().toFloatArray(), 1e-6f);
            assertArrayEquals(new long[] {8, 6}, fused.outputShape(new long[] {8, 6}));
        }
    }

    /** A model of both plug-ins trains, its plug-in weights change, and its checkpoint restores it exactly. */
    @Test
    void trainsSavesAndLoads() throws Exception {
        Init.manualSeed(5);
        SplittableRandom rng = new SplittableRandom(5);
        int batch = 32;
        float[] x = random(rng, batch * 4, -1, 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = x[i * 4] * x[i * 4 + 1] > 0 ? 1 : 0;
        Path file = tmp.resolve("model.ckpt");
        try (Plugin addRelu = Plugin.load(ADD_RELU); Plugin bn = Plugin.load(BATCH_NORM)) {
            float[] before, trainedOutput, trainedWeight;
            try (Sequential model = model(addRelu, bn); SGD sgd = SGD.builder().lr(0.1).momentum(0.9).build(model.parameters());
                    CrossEntropyLoss loss = new CrossEntropyLoss(); Tensor tx = Tensor.of(x, batch, 4);
                    Tensor ty = Tensor.ofInts(labels, batch)) {
                assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "2.fc.weight",
                        "2.fc.bias", "3.weight", "3.bias"),
                        List.copyOf(model.stateDict().keySet()));
                before = model.namedParameters().get("1.weight").value().toFloatArray();
                float first = 0, last = 0;
                for (int step = 0; step < 40; step++) {
                    sgd.zeroGrad();
                    last = loss.forward(model.forward(tx), ty);
                    if (step == 0) first = last;
                    model.backward(loss.backward(), false);
                    sgd.step();
                }
                assertTrue(last < first / 2, "loss went from " + first + " to " + last);
                trainedWeight = model.namedParameters().get("1.weight").value().toFloatArray();
                assertNotEquals(before[0], trainedWeight[0], "the plug-in's weight did not train");
                model.eval();
                trainedOutput = model.forward(tx).toFloatArray();
                Checkpoint.save(file, model, null, Map.of());
            }
            try (Sequential fresh = model(addRelu, bn); Tensor tx = Tensor.of(x, batch, 4)) {
                Checkpoint.load(file, fresh, null);
                assertArrayEquals(trainedWeight, fresh.namedParameters().get("1.weight").value().toFloatArray());
                fresh.eval();
                assertArrayEquals(trainedOutput, fresh.forward(tx).toFloatArray());
            }
        }
        assertTrue(Files.size(file) > 0);
    }

    private static Sequential model(Plugin addRelu, Plugin bn) {
        return new Sequential(new Linear(4, 16), bn.layer("batch_norm", 16f, EPS, MOMENTUM),
                Residual.builder().add("fc", new Linear(16, 16)).merge("add", addRelu.layer("add_relu")).build(),
                new Linear(16, 2));
    }

    @Test
    void badArgumentsAreRejectedClearly() {
        try (Plugin p = Plugin.load(ADD_RELU); PluginLayer layer = p.layer("add_relu");
                Tensor a = Tensor.zeros(2, 3); Tensor b = Tensor.zeros(3, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.forward(a, b));
            assertTrue(e.getMessage().contains("add_relu") && e.getMessage().contains("[2, 3] and [3, 2]")
                    && e.getMessage().contains("the inputs must have the same shape"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(new Tensor[] {a}));
            assertTrue(e.getMessage().contains("takes 2 input(s), got 1"), e.getMessage());
            IllegalStateException s = assertThrows(IllegalStateException.class, () -> layer.forward(a));
            assertTrue(s.getMessage().contains("takes 2 inputs"), s.getMessage());
            assertThrows(IllegalStateException.class, () -> layer.backwardInputs(a));
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(a, null));
            assertTrue(e.getMessage().contains("input 1 is null"), e.getMessage());
        }
        // Inside a Residual, the merge's refusal names the block and both paths' shapes.
        try (Plugin p = Plugin.load(ADD_RELU);
                Residual block = Residual.builder().add("fc", new Linear(3, 2)).merge("add", p.layer("add_relu")).build();
                Tensor x = Tensor.zeros(4, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> block.forward(x));
            assertTrue(e.getMessage().contains("Residual: the merge of the main path's [4, 2] and the shortcut's [4, 3]")
                    && e.getMessage().contains("the inputs must have the same shape"), e.getMessage());
        }
        try (Plugin p = Plugin.load(BATCH_NORM)) {
            try (PluginLayer bn = p.layer("batch_norm", 4f, EPS, MOMENTUM); Tensor x = Tensor.zeros(2, 5, 3); Linear fc = new Linear(2, 2)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(x));
                assertTrue(e.getMessage().contains("batch_norm") && e.getMessage().contains("[2, 5, 3]")
                        && e.getMessage().contains("expected 4 channels"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> Residual.builder().add("fc", fc).merge("bn", bn));
                assertTrue(e.getMessage().contains("must take 2 inputs, it takes 1"), e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.layer("batch_norm", 2.5f, EPS, MOMENTUM));
            assertTrue(e.getMessage().contains("num_features must be a positive integer"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.layer("batch_norm", 4f));
            assertTrue(e.getMessage().contains("takes 3 hyper-parameter(s), got 1"), e.getMessage());
        }
    }

    /** Weights whose shape comes from the input shape, and a plug-in that declares an empty weight. */
    @Test
    void weightShapesFromInputsAndBadDeclarations() {
        try (Plugin p = Plugin.load(TEST_PLUGINS.resolve("libanvil_test_weights_v2.so"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.layer("row_scale"));
            assertTrue(e.getMessage().contains("the scale's size is the input's last dimension"), e.getMessage());
            try (PluginLayer layer = p.layer("row_scale", new long[][] {{2, 3}}); Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
                Parameter scale = layer.namedParameters().get("scale");
                assertArrayEquals(new long[] {3}, scale.value().shape());
                for (float v : scale.value().toFloatArray()) assertTrue(Math.abs(v) <= 0.5f, "U(-0.5, 0.5) gave " + v);
                scale.value().copyFrom(new float[] {2, 0, -1});
                assertArrayEquals(new float[] {2, 0, -3, 8, 0, -6}, layer.forward(x).toFloatArray());
                try (Tensor wide = Tensor.zeros(2, 4)) {
                    e = assertThrows(IllegalArgumentException.class, () -> layer.forward(wide));
                    assertTrue(e.getMessage().contains("weight scale has shape [3], but these inputs need [4]"), e.getMessage());
                }
            }
            AnvilException a = assertThrows(AnvilException.class, () -> p.layer("empty_weight"));
            assertEquals(AnvilException.Status.PLUGIN, a.status());
            assertTrue(a.getMessage().contains("weight_shapes() gave scale dimension 0"), a.getMessage());
        }
        for (int bad = 1; bad <= 5; bad++) {
            Path lib = TEST_PLUGINS.resolve("libanvil_test_bad_v2_" + bad + ".so");
            AnvilException e = assertThrows(AnvilException.class, () -> Plugin.load(lib));
            assertTrue(e.getMessage().contains("bad_v2_" + bad), e.getMessage());
        }
    }
}
