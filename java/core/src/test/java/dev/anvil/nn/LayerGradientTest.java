package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.ops.GradCheck;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks each layer's backward pass against central finite differences of its forward pass,
 * through the public Layer API only. The loss is {@code sum(forward(x) * r)} for a fixed random
 * {@code r}, so its gradient with respect to the output is {@code r}; {@link GradCheck} compares
 * the backward pass with central differences of the forward pass, for the input and every
 * parameter.
 */
class LayerGradientTest {
    @BeforeEach
    void seed() {
        Init.manualSeed(7);
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    static float[] random(int n, long seed, double lo, double hi) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    /** Distinct values (a shuffled ramp with steps of 0.01), so that no max-pool window has a tie within h. */
    private static float[] distinct(int n, long seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (i - n / 2) * 0.01f;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** Values in [-1, -0.05] or [0.05, 1]: at least 0.05 away from ReLU's kink. */
    private static float[] awayFromZero(int n, long seed) {
        float[] a = random(n, seed, 0.05, 1.0);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (int i = 0; i < n; i++) if (rng.nextBoolean()) a[i] = -a[i];
        return a;
    }

    private static int numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    /** The gradient of sum(forward(x) * r) with respect to {@code target} (x or a parameter), by finite differences. */
    private static void assertGradient(String what, float[] analytic, Layer layer, Tensor x, float[] r, FloatBuffer target,
            float h) {
        float[] original = new float[target.capacity()];
        target.get(0, original);
        try {
            GradCheck.check(layer + ": " + what, values -> {
                target.put(0, values);
                return layer.forward(x).toFloatArray();
            }, original, r, analytic, h);
        } finally {
            target.put(0, original);
        }
    }

    /** Compares the input gradient and every parameter gradient of {@code layer} at {@code x} with finite differences. */
    static void checkGradients(Layer layer, Tensor x, float h) {
        float[] r = random(numel(layer.outputShape(x.shape())), 99, -1, 1);
        float[] dx;
        List<float[]> paramGrads = new ArrayList<>();
        try (Tensor dy = Tensor.of(r, layer.outputShape(x.shape()))) {
            for (Parameter p : layer.parameters()) p.zeroGrad();
            layer.forward(x);
            dx = layer.backward(dy).toFloatArray();
            for (Parameter p : layer.parameters()) {
                assertTrue(p.hasGrad(), p + " has no gradient after backward");
                paramGrads.add(p.grad().toFloatArray());
            }
        }
        assertGradient("input", dx, layer, x, r, x.floatBuffer(), h);
        List<Parameter> params = layer.parameters();
        for (int k = 0; k < params.size(); k++) {
            assertGradient(params.get(k).name(), paramGrads.get(k), layer, x, r, params.get(k).value().floatBuffer(), h);
        }
    }

    /** {@link #checkGradients(Layer, Tensor, float)} at an input holding {@code input}; closes the layer. */
    static void checkGradients(Layer layer, float h, float[] input, long... shape) {
        try (layer; Tensor x = Tensor.of(input, shape)) {
            checkGradients(layer, x, h);
        }
    }

    /** Every activation layer, through the layer API (inputs away from the kinks of LeakyReLU, ELU and Hardswish). */
    @Test
    void activationLayers() {
        float[] input = awayFromZero(2 * 3 * 5, 30);
        for (int i = 0; i < input.length; i++) input[i] *= 3;
        for (Layer layer : List.of(new LeakyReLU(0.2), new ELU(), new GELU(), new GELU("tanh"), new SiLU(), new Sigmoid(), new Tanh(),
                new Hardswish())) {
            checkGradients(layer, 1e-3f, input.clone(), 2, 3, 5);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GELU("fast"));
        assertTrue(e.getMessage().contains("\"none\" or \"tanh\""), e.getMessage());
    }

    @Test
    void groupNormWithAndWithoutAffine() {
        checkGradients(new GroupNorm(2, 4), 1e-3f, random(3 * 4 * 5, 31, -2, 2), 3, 4, 5);
        checkGradients(new GroupNorm(1, 3, 1e-5, false), 1e-3f, random(1 * 3 * 4, 32, -2, 2), 1, 3, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4));
        assertTrue(e.getMessage().contains("divisible"), e.getMessage());
    }

    /** Branches whose outputs are concatenated along the channels: gradients split and summed, PyTorch-style keys. */
    @Test
    void concatOfBranches() {
        Concat concat = Concat.builder()
                .add("branch1", Conv2d.builder(3, 2, 1).build())
                .add("branch3", new Sequential(Conv2d.builder(3, 4, 3).padding(1).build(), new Tanh()))
                .add("skip", new Identity())
                .build();
        assertEquals(List.of("branch1.weight", "branch1.bias", "branch3.0.weight", "branch3.0.bias"),
                List.copyOf(concat.namedParameters().keySet()));
        assertArrayEquals(new long[] {2, 9, 5, 5}, concat.outputShape(new long[] {2, 3, 5, 5}));
        checkGradients(concat, 1e-2f, random(2 * 3 * 5 * 5, 42, -1, 1), 2, 3, 5, 5);

        try (Concat bad = Concat.builder().add("a", new Identity()).add("b", Conv2d.builder(3, 2, 3).build()).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.outputShape(new long[] {2, 3, 5, 5}));
            assertTrue(e.getMessage().contains("branch b gives [2, 2, 3, 3] but branch a gives [2, 3, 5, 5]"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Concat.builder().add("a", new Identity()).add("a", new Identity()));
        assertTrue(e.getMessage().contains("already a child named a"), e.getMessage());
    }

    @Test
    void conv2dWithStrideAndPadding() {
        checkGradients(Conv2d.builder(3, 4, 3).stride(2).padding(1).build(), 1e-2f, random(2 * 3 * 7 * 7, 1, -1, 1), 2, 3, 7, 7);
    }

    @Test
    void conv2dWithDilationGroupsAndNoBias() {
        Conv2d conv = Conv2d.builder(4, 6, 3).dilation(2).groups(2).padding(2).bias(false).build();
        assertNull(conv.bias());
        checkGradients(conv, 1e-2f, random(2 * 4 * 7 * 7, 2, -1, 1), 2, 4, 7, 7);
    }

    @Test
    void conv2dWithRectangularKernelAndStride() {
        checkGradients(Conv2d.builder(2, 3, 2, 3).stride(2, 1).padding(0, 1).build(), 1e-2f, random(2 * 2 * 6 * 5, 3, -1, 1),
                2, 2, 6, 5);
    }

    @Test
    void maxPool2d() {
        checkGradients(new MaxPool2d(2), 1e-3f, distinct(2 * 3 * 6 * 6, 4), 2, 3, 6, 6);
    }

    @Test
    void maxPool2dWithOverlappingPaddedWindows() {
        checkGradients(new MaxPool2d(3, 2, 1), 1e-3f, distinct(2 * 2 * 7 * 7, 5), 2, 2, 7, 7);
    }

    @Test
    void avgPool2dCountingPadding() {
        checkGradients(new AvgPool2d(3, 2, 1, true), 1e-2f, random(2 * 2 * 7 * 7, 6, -1, 1), 2, 2, 7, 7);
    }

    @Test
    void avgPool2dNotCountingPadding() {
        checkGradients(new AvgPool2d(3, 2, 1, false), 1e-2f, random(2 * 2 * 7 * 7, 7, -1, 1), 2, 2, 7, 7);
    }

    @Test
    void avgPoolPaddingModesDifferOnlyAtTheBorder() {
        try (AvgPool2d with = new AvgPool2d(3, 1, 1, true); AvgPool2d without = new AvgPool2d(3, 1, 1, false);
                Tensor x = Tensor.zeros(1, 1, 3, 3)) {
            x.fill(9f);
            float[] a = with.forward(x).toFloatArray();
            float[] b = without.forward(x).toFloatArray();
            assertEquals(4f, a[0], 1e-5f, "corner: 4 of 9 window cells are inside");
            assertEquals(9f, b[0], 1e-5f);
            assertEquals(9f, a[4], 1e-5f, "centre: the whole window is inside");
            assertEquals(9f, b[4], 1e-5f);
        }
    }

    @Test
    void linear() {
        checkGradients(new Linear(5, 3), 1e-2f, random(4 * 5, 8, -1, 1), 4, 5);
    }

    @Test
    void linearWithoutBias() {
        Linear fc = new Linear(6, 2, false);
        assertEquals(1, fc.parameters().size());
        checkGradients(fc, 1e-2f, random(3 * 6, 9, -1, 1), 3, 6);
    }

    @Test
    void relu() {
        checkGradients(new ReLU(), 1e-3f, awayFromZero(2 * 3 * 4, 10), 2, 3, 4);
    }

    @Test
    void flatten() {
        checkGradients(new Flatten(), 1e-2f, random(2 * 3 * 2 * 2, 11, -1, 1), 2, 3, 2, 2);
    }

    @Test
    void sequentialConvReluPoolFlattenLinear() {
        Sequential model = new Sequential(
                Conv2d.builder(1, 2, 3).padding(1).build(), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(2 * 3 * 3, 3));
        try (model; Tensor x = Tensor.of(random(2 * 6 * 6, 12, -1, 1), 2, 1, 6, 6)) {
            assertEquals(4, model.parameters().size());
            checkGradients(model, x, 1e-3f);
        }
    }

    /**
     * Re-running forward draws a new dropout mask, so finite differences do not apply: instead the
     * output must be x * mask / (1 - p) and backward must apply the same mask and scale to dy.
     */
    @Test
    void dropoutBackwardAppliesTheMaskOfTheLastForwardPass() {
        double p = 0.3;
        int n = 4000;
        float[] input = awayFromZero(n, 13);
        float[] r = random(n, 14, -1, 1);
        try (Dropout dropout = new Dropout(p); Tensor x = Tensor.of(input, 2, n / 2); Tensor dy = Tensor.of(r, 2, n / 2)) {
            float[] first = dropout.forward(x).toFloatArray();
            float[] y = dropout.forward(x).toFloatArray();
            float[] dx = dropout.backward(dy).toFloatArray();
            int dropped = 0, changed = 0;
            float scale = (float) (1 / (1 - p));
            for (int i = 0; i < n; i++) {
                boolean kept = y[i] != 0f;
                if (!kept) dropped++;
                if ((first[i] != 0f) != kept) changed++;
                assertEquals(kept ? input[i] * scale : 0f, y[i], 1e-5f, "output " + i);
                assertEquals(kept ? r[i] * scale : 0f, dx[i], 1e-5f, "input gradient " + i);
            }
            assertEquals(p, (double) dropped / n, 0.05, "fraction dropped");
            assertTrue(changed > 0, "each forward pass must draw a new mask");
        }
    }

    @Test
    void dropoutIsTheIdentityInEvaluationAndWithPZero() {
        try (Dropout dropout = new Dropout(0.5); Dropout none = new Dropout(0.0); Tensor x = Tensor.of(awayFromZero(64, 15), 4, 16);
                Tensor dy = Tensor.of(random(64, 16, -1, 1), 4, 16)) {
            assertArrayEquals(x.toFloatArray(), none.forward(x).toFloatArray());
            assertArrayEquals(dy.toFloatArray(), none.backward(dy).toFloatArray());
            dropout.eval();
            assertArrayEquals(x.toFloatArray(), dropout.forward(x).toFloatArray());
        }
    }

    @Test
    void crossEntropyLossGradientMatchesFiniteDifferences() {
        int batch = 4, classes = 5;
        float[] logits = random(batch * classes, 17, -2, 2);
        try (CrossEntropyLoss loss = new CrossEntropyLoss(); Tensor x = Tensor.of(logits, batch, classes);
                Tensor labels = Tensor.ofInts(new int[] {0, 4, 2, 2}, batch)) {
            double expected = 0;
            for (int b = 0; b < batch; b++) {
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.exp(logits[b * classes + c]);
                expected += Math.log(sum) - logits[b * classes + labels.toIntArray()[b]];
            }
            assertEquals(expected / batch, loss.forward(x, labels), 1e-5);
            float[] analytic = loss.backward().toFloatArray();
            GradCheck.check("cross-entropy dlogits", in -> new float[] {loss.forward(x.copyFrom(in), labels)}, logits,
                    new float[] {1f}, analytic, 1e-2);
        }
    }

    @Test
    void parameterGradientsAccumulateUntilZeroGrad() {
        try (Linear fc = new Linear(4, 3); Conv2d conv = Conv2d.builder(2, 2, 3).padding(1).build();
                Tensor x = Tensor.of(random(2 * 4, 18, -1, 1), 2, 4); Tensor dy = Tensor.of(random(2 * 3, 19, -1, 1), 2, 3);
                Tensor img = Tensor.of(random(2 * 5 * 5, 20, -1, 1), 1, 2, 5, 5);
                Tensor dimg = Tensor.of(random(2 * 5 * 5, 21, -1, 1), 1, 2, 5, 5)) {
            checkAccumulation(fc, x, dy);
            checkAccumulation(conv, img, dimg);
        }
    }

    private static void checkAccumulation(Layer layer, Tensor x, Tensor dy) {
        List<Parameter> params = layer.parameters();
        params.forEach(Parameter::zeroGrad);
        layer.forward(x);
        layer.backward(dy);
        List<float[]> once = params.stream().map(p -> p.grad().toFloatArray()).toList();
        layer.backward(dy, false);
        for (int k = 0; k < params.size(); k++) {
            float[] twice = params.get(k).grad().toFloatArray();
            for (int i = 0; i < twice.length; i++) {
                assertEquals(2 * once.get(k)[i], twice[i], 1e-5f * (1 + Math.abs(twice[i])), layer + " " + params.get(k).name());
            }
        }
        params.forEach(Parameter::zeroGrad);
        assertFalse(params.get(0).hasGrad());
        layer.backward(dy);
        for (int k = 0; k < params.size(); k++) {
            assertArrayEquals(once.get(k), params.get(k).grad().toFloatArray(), 1e-6f,
                    layer + ": after zeroGrad the next backward must overwrite " + params.get(k).name());
        }
    }
}
