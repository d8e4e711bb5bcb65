package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.GroupNorm;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Residual;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.Tanh;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PerSampleClipperTest {
    static final int B = 6;

    static Sequential smallCnn() {
        Init.manualSeed(7);
        return new Sequential(
                Conv2d.builder(1, 4, 3).padding(1).build(), new GroupNorm(2, 4), new Tanh(), new MaxPool2d(2),
                new Sequential(Conv2d.builder(4, 6, 3).stride(2).padding(1).build(), new ReLU()),
                new Flatten(), new Linear(6 * 2 * 2, 12), new Tanh(), new Linear(12, 5));
    }

    static float[] randomImages(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** Per-sample gradients one sample at a time (batches of one through the ordinary backward pass), in double. */
    static double[][] perSampleGradients(Sequential model, float[] images, int[] labels) {
        List<Parameter> params = model.parameters();
        double[][] out = new double[labels.length][];
        try (CrossEntropyLoss loss = new CrossEntropyLoss()) {
            for (int i = 0; i < labels.length; i++) {
                try (Tensor x = Tensor.of(Arrays.copyOfRange(images, i * 64, (i + 1) * 64), 1, 1, 8, 8);
                     Tensor y = Tensor.ofInts(new int[] {labels[i]}, 1)) {
                    for (Parameter p : params) p.zeroGrad();
                    loss.forward(model.forward(x), y);
                    model.backward(loss.backward(), false);
                    int total = params.stream().mapToInt(p -> (int) p.numel()).sum();
                    double[] g = new double[total];
                    int k = 0;
                    for (Parameter p : params) for (float v : p.grad().toFloatArray()) g[k++] = v;
                    out[i] = g;
                }
            }
        }
        return out;
    }

    static double norm(double[] g) {
        double s = 0;
        for (double v : g) s += v * v;
        return Math.sqrt(s);
    }

    @Test
    void clippedSumEqualsOneSampleAtATimeReference() {
        float[] images = randomImages(B, 11);
        int[] labels = {0, 3, 1, 4, 2, 3};
        try (Sequential model = smallCnn(); PerSampleClipper clipper = new PerSampleClipper(model);
             CrossEntropyLoss loss = new CrossEntropyLoss()) {
            double[][] ref = perSampleGradients(model, images, labels);
            double[] refNorms = Arrays.stream(ref).mapToDouble(PerSampleClipperTest::norm).toArray();
            double[] sorted = refNorms.clone();
            Arrays.sort(sorted);
            double c = (sorted[2] + sorted[3]) / 2; // half the samples are clipped
            double[] refSum = new double[ref[0].length];
            for (int i = 0; i < B; i++) {
                double f = Math.min(1, c / (refNorms[i] + 1e-6));
                for (int j = 0; j < refSum.length; j++) refSum[j] += f * ref[i][j];
            }

            try (Tensor x = Tensor.of(images, B, 1, 8, 8); Tensor y = Tensor.ofInts(labels, B)) {
                loss.forward(clipper.forward(x), y);
                Tensor dy = loss.backward().scale(B); // gradient of the summed per-sample losses
                double[] norms = clipper.clipAndAccumulate(dy, c);
                for (int i = 0; i < B; i++) {
                    assertEquals(refNorms[i], norms[i], 1e-4 * refNorms[i] + 1e-6, "norm of sample " + i);
                }
                double[] got = new double[refSum.length];
                int k = 0;
                for (Parameter p : model.parameters()) {
                    assertTrue(p.hasGrad(), p.name());
                    for (float v : p.grad().toFloatArray()) got[k++] = v;
                }
                double scale = norm(refSum);
                for (int j = 0; j < got.length; j++) {
                    assertEquals(refSum[j], got[j], 2e-5 * scale + 1e-7, "gradient element " + j);
                }
                // Every clipped sample contributes a gradient of norm at most c: the sum is bounded by B c.
                assertTrue(norm(got) <= B * c * (1 + 1e-5));
            }
        }
    }

    @Test
    void largeClipNormLeavesTheOrdinaryGradient() {
        float[] images = randomImages(B, 5);
        int[] labels = {1, 1, 2, 0, 4, 3};
        try (Sequential model = smallCnn(); PerSampleClipper clipper = new PerSampleClipper(model);
             CrossEntropyLoss loss = new CrossEntropyLoss()) {
            double[][] ref = perSampleGradients(model, images, labels);
            try (Tensor x = Tensor.of(images, B, 1, 8, 8); Tensor y = Tensor.ofInts(labels, B)) {
                loss.forward(clipper.forward(x), y);
                clipper.clipAndAccumulate(loss.backward().scale(B), 1e9);
                int k = 0;
                for (Parameter p : model.parameters()) {
                    for (float v : p.grad().toFloatArray()) {
                        double sum = 0;
                        for (double[] g : ref) sum += g[k];
                        assertEquals(sum, v, 1e-4 * (Math.abs(sum) + 1e-2), "element " + k);
                        k++;
                    }
                }
            }
        }
    }

    @Test
    void batchNormIsRefusedWithAnAlternative() {
        try (Sequential model = new Sequential(Conv2d.builder(1, 4, 3).build(), new BatchNorm2d(4), new ReLU())) {
            UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> new PerSampleClipper(model));
            assertTrue(e.getMessage().contains("BatchNorm") && e.getMessage().contains("GroupNorm"), e.getMessage());
            assertTrue(e.getMessage().contains("1 (BatchNorm2d)"), "names the layer: " + e.getMessage());
        }
    }

    @Test
    void unknownContainersAreRefused() {
        try (Sequential model = new Sequential(Residual.builder().add("fc", new Linear(4, 4)).build())) {
            UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> new PerSampleClipper(model));
            assertTrue(e.getMessage().contains("Residual"), e.getMessage());
        }
    }

    @Test
    void badArguments() {
        try (Sequential model = smallCnn(); PerSampleClipper clipper = new PerSampleClipper(model)) {
            assertThrows(IllegalStateException.class, () -> clipper.clipAndAccumulate(Tensor.zeros(B, 5), 1));
            assertThrows(IllegalArgumentException.class, () -> clipper.clipAndAccumulate(Tensor.zeros(B, 5), 0));
            assertThrows(IllegalArgumentException.class, () -> clipper.forward(null));
        }
        assertThrows(IllegalArgumentException.class, () -> new PerSampleClipper(null));
    }
}
