package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reference model as a Sequential: summary, parameter names, modes and initialisation. */
class SequentialTest {
    private static final long REFERENCE_PARAMETERS = 3_274_634;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    @Test
    void summaryListsEveryLayerWithOutputShapeAndParameters() {
        long[][] shapes = {{64, 32, 28, 28}, {64, 32, 28, 28}, {64, 32, 14, 14}, {64, 64, 14, 14}, {64, 64, 14, 14},
                {64, 64, 7, 7}, {64, 3136}, {64, 1024}, {64, 1024}, {64, 1024}, {64, 10}};
        long[] counts = {832, 0, 0, 51_264, 0, 0, 0, 3_212_288, 0, 0, 10_250};
        try (Sequential model = Models.fashionMnistCnn()) {
            assertEquals(REFERENCE_PARAMETERS, model.parameterCount());
            String summary = model.summary(64, 1, 28, 28);
            List<String> lines = summary.lines().toList();
            List<Layer> layers = model.layers();
            assertEquals(shapes.length, layers.size());
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                String line = lines.stream().filter(l -> l.startsWith(layer.toString())).findFirst()
                        .orElseThrow(() -> new AssertionError("summary has no line for " + layer + ":\n" + summary));
                assertTrue(line.startsWith(model.children().get(i).name() + ": "), line);
                assertTrue(line.contains(Arrays.toString(shapes[i])), "output shape of " + line);
                assertTrue(line.trim().endsWith(" " + String.format(Locale.ROOT, "%,d", counts[i])), "parameter count of " + line);
            }
            assertTrue(summary.contains("[64, 1, 28, 28]"), "input shape:\n" + summary);
            assertTrue(summary.contains("Total parameters: 3,274,634"), summary);
        }
    }

    @Test
    void namedParametersFollowPyTorchNaming() {
        try (Sequential model = Models.fashionMnistCnn()) {
            List<String> names = List.copyOf(model.namedParameters().keySet());
            // PyTorch's FmnistCnn (shared/bench/pytorch_fmnist.py) names its layers conv1, conv2, fc1, fc2.
            assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                    "fc2.bias"), names);
            List<Parameter> params = model.parameters();
            List<Parameter> named = List.copyOf(model.namedParameters().values());
            for (int i = 0; i < params.size(); i++) assertSame(params.get(i), named.get(i));
            try (Sequential plain = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1))) {
                assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(plain.namedParameters().keySet()));
            }
            assertArrayEquals(new long[] {32, 1, 5, 5}, params.get(0).value().shape());
            assertArrayEquals(new long[] {1024, 3136}, params.get(4).value().shape());
        }
    }

    @Test
    void evalTurnsDropoutOff() {
        try (Sequential model = Models.fashionMnistCnn(); Tensor x = Tensor.of(LayerGradientTest.random(4 * 784, 3, 0, 1), 4, 1, 28, 28)) {
            model.eval();
            assertTrue(model.layers().stream().noneMatch(Layer::isTraining), "eval() reaches every child");
            float[] first = model.forward(x).toFloatArray();
            float[] second = model.forward(x).toFloatArray();
            assertArrayEquals(first, second, "evaluation must be deterministic");
            model.train(true);
            assertTrue(model.layers().stream().allMatch(Layer::isTraining));
            float[] training = model.forward(x).toFloatArray();
            assertFalse(Arrays.equals(first, training), "dropout must change the training output");
        }
    }

    @Test
    void aLayerAddedToAnEvaluatingModelEvaluates() {
        try (Sequential model = new Sequential(new ReLU())) {
            model.eval();
            Dropout dropout = new Dropout(0.5);
            model.add(dropout);
            assertFalse(dropout.isTraining());
            assertEquals("1 (Dropout)", dropout.name());
        }
    }

    @Test
    void manualSeedDeterminesTheParameters() {
        Init.manualSeed(123);
        try (Sequential a = Models.fashionMnistCnn()) {
            Init.manualSeed(123);
            try (Sequential b = Models.fashionMnistCnn()) {
                Init.manualSeed(124);
                try (Sequential c = Models.fashionMnistCnn()) {
                    for (int i = 0; i < a.parameters().size(); i++) {
                        float[] va = a.parameters().get(i).value().toFloatArray();
                        assertArrayEquals(va, b.parameters().get(i).value().toFloatArray(), "same seed, parameter " + i);
                        assertFalse(Arrays.equals(va, c.parameters().get(i).value().toFloatArray()), "other seed, parameter " + i);
                    }
                }
            }
        }
    }

    @Test
    void resetParametersWithASeedIsReproducible() {
        try (Sequential a = Models.fashionMnistCnn(); Sequential b = Models.fashionMnistCnn()) {
            a.resetParameters(5);
            b.resetParameters(5);
            for (int i = 0; i < a.parameters().size(); i++) {
                assertArrayEquals(a.parameters().get(i).value().toFloatArray(), b.parameters().get(i).value().toFloatArray());
            }
        }
    }

    @Test
    void initialisationUsesPyTorchFanInBounds() {
        Init.manualSeed(1);
        try (Sequential model = Models.fashionMnistCnn()) {
            List<Parameter> p = model.parameters();
            assertUniformWithin(p.get(0), 1 / Math.sqrt(25));
            assertUniformWithin(p.get(1), 1 / Math.sqrt(25));
            assertUniformWithin(p.get(2), 1 / Math.sqrt(32 * 25));
            assertUniformWithin(p.get(4), 1 / Math.sqrt(3136));
            assertUniformWithin(p.get(5), 1 / Math.sqrt(3136));
            assertUniformWithin(p.get(6), 1 / Math.sqrt(1024));
        }
    }

    /** All values within ±bound, and spread over it (the extremes reach 80% of the bound, the mean is near 0). */
    private static void assertUniformWithin(Parameter p, double bound) {
        float[] v = p.value().toFloatArray();
        double max = 0, sum = 0;
        for (float f : v) {
            assertTrue(Math.abs(f) <= bound, p + ": " + f + " is outside ±" + bound);
            max = Math.max(max, Math.abs(f));
            sum += f;
        }
        assertTrue(max >= 0.8 * bound, p + ": largest magnitude " + max + " for bound " + bound);
        assertEquals(0, sum / v.length, bound / 2, p + ": mean");
    }

    /** ReLU then max-pool runs as max-pool then ReLU: same outputs and gradients as in declared order. */
    @Test
    void reluBeforeMaxPoolRunsSwappedWithIdenticalResults() {
        Init.manualSeed(5);
        try (Sequential model = new Sequential(Conv2d.builder(2, 3, 3).padding(1).build(), new ReLU(), new MaxPool2d(2),
                        new Flatten(), new Linear(3 * 4 * 4, 5));
                Tensor x = Tensor.zeros(2, 2, 8, 8); Tensor dy = Tensor.zeros(2, 5)) {
            List<Layer> declared = model.layers();
            assertSame(declared.get(2), model.executionOrder().get(1));
            assertSame(declared.get(1), model.executionOrder().get(2));
            Init.uniform(x, -1, 1, new java.util.SplittableRandom(1));
            Init.uniform(dy, -1, 1, new java.util.SplittableRandom(2));

            float[] fused = model.forward(x).toFloatArray();
            float[] fusedDx = model.backward(dy).toFloatArray();
            float[] fusedDw = declared.get(0).parameters().get(0).grad().toFloatArray();

            model.zeroGrad();
            Tensor y = x;
            for (Layer l : declared) y = l.forward(y);
            float[] plain = y.toFloatArray();
            Tensor g = dy;
            for (int i = declared.size() - 1; i >= 0; i--) g = declared.get(i).backward(g);
            assertArrayEquals(plain, fused);
            assertArrayEquals(g.toFloatArray(), fusedDx);
            assertArrayEquals(declared.get(0).parameters().get(0).grad().toFloatArray(), fusedDw);
        }
    }
}
