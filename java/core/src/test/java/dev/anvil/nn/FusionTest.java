package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** BatchNorm folding for inference: the same outputs, BatchNorm keys gone, fused ReLUs kept, training refused. */
class FusionTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Gives every BatchNorm statistics and affine parameters far from their initial 0/1. */
    private static void randomiseBatchNorms(Layer model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            String k = e.getKey();
            boolean bn = k.contains("bn") || k.matches("stem\\.1\\..*") || k.matches(".*shortcut\\.1\\..*");
            if (!bn || k.endsWith("num_batches_tracked")) continue;
            float[] v = new float[(int) e.getValue().numel()];
            for (int i = 0; i < v.length; i++) {
                v[i] = k.endsWith("running_var") ? (float) (0.2 + rng.nextDouble()) : (float) (rng.nextDouble() * 2 - 1);
            }
            e.getValue().copyFrom(v);
        }
    }

    @Test
    void foldedResNetComputesTheSameLogits() {
        try (Sequential model = Models.fmnistResNet()) {
            randomiseBatchNorms(model, 3);
            model.eval();
            float[] input = new float[4 * 28 * 28];
            SplittableRandom rng = new SplittableRandom(4);
            for (int i = 0; i < input.length; i++) input[i] = (float) rng.nextDouble();
            try (Tensor x = Tensor.of(input, 4, 1, 28, 28)) {
                float[] before = model.forward(x).toFloatArray();
                assertEquals(21, Fusion.foldBatchNorm(model), "the stem, two per block, two projection shortcuts");
                float[] after = model.forward(x).toFloatArray();
                double scale = 0;
                for (float v : before) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < before.length; i++) assertEquals(before[i], after[i], 1e-4 * (1 + scale), "logit " + i);
            }
            Map<String, Tensor> state = model.stateDict();
            assertTrue(state.keySet().stream().noneMatch(k -> k.contains("running_mean") || k.contains("bn1")), state.keySet().toString());
            assertTrue(state.containsKey("stem.0.bias") && state.containsKey("stages.3.shortcut.0.bias"), state.keySet().toString());
            assertEquals("stages.0.bn1 (Identity)", ((Residual) ((Sequential) model.children().get(1).layer()).layers().get(0))
                    .children().get(1).layer().name());
            assertEquals(0, Fusion.foldBatchNorm(model), "nothing left to fold");
        }
    }

    private static Residual block(boolean projection, Layer after) {
        Residual.Builder b = Residual.builder()
                .add("conv1", Conv2d.builder(4, 4, 3).padding(1).bias(false).build()).add("bn1", new BatchNorm2d(4)).add("relu1", new ReLU())
                .add("conv2", Conv2d.builder(4, 4, 3).padding(1).bias(false).build()).add("bn2", new BatchNorm2d(4));
        if (projection) b.shortcut("shortcut", new Sequential(Conv2d.builder(4, 4, 1).bias(false).build(), new BatchNorm2d(4)));
        return b.after("relu", after).build();
    }

    /**
     * A basic block's addition and ReLU run inside bn2's pass; the same block with its ReLU wrapped
     * (which the fusion does not take) computes them separately. Both agree in outputs, input and
     * parameter gradients and running statistics over three training steps, then in evaluation.
     */
    @Test
    void residualAdditionAndReluFusedIntoTheLastBatchNormMatchTheSeparatePasses() {
        for (boolean projection : new boolean[] {false, true}) {
            SplittableRandom rng = new SplittableRandom(projection ? 5 : 6);
            try (Residual fused = block(projection, new ReLU()); Residual plain = block(projection, new Sequential(new ReLU()))) {
                randomiseBatchNorms(fused, 7);
                plain.loadStateDict(fused.stateDict(), true);
                for (int step = 0; step < 3; step++) {
                    float[] in = new float[3 * 4 * 5 * 5], g = new float[in.length];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = (float) (rng.nextDouble() * 2 - 1);
                        g[i] = (float) (rng.nextDouble() * 2 - 1);
                    }
                    try (Tensor x = Tensor.of(in, 3, 4, 5, 5); Tensor dy = Tensor.of(g, 3, 4, 5, 5)) {
                        fused.parameters().forEach(Parameter::zeroGrad);
                        plain.parameters().forEach(Parameter::zeroGrad);
                        assertArrayEquals(plain.forward(x).toFloatArray(), fused.forward(x).toFloatArray(), 1e-5f, "y, step " + step);
                        assertArrayEquals(plain.backward(dy).toFloatArray(), fused.backward(dy).toFloatArray(), 1e-5f, "dx, step " + step);
                    }
                    Map<String, Parameter> p = plain.namedParameters(), f = fused.namedParameters();
                    for (String k : f.keySet()) assertArrayEquals(p.get(k).grad().toFloatArray(), f.get(k).grad().toFloatArray(), 1e-4f, k);
                }
                Map<String, Tensor> ps = plain.stateDict(), fs = fused.stateDict();
                for (String k : fs.keySet()) {
                    if (k.endsWith("running_var")) assertArrayEquals(ps.get(k).toFloatArray(), fs.get(k).toFloatArray(), 1e-6f, k);
                }
                fused.eval();
                plain.eval();
                float[] in = new float[2 * 4 * 5 * 5];
                for (int i = 0; i < in.length; i++) in[i] = (float) (rng.nextDouble() * 2 - 1);
                try (Tensor x = Tensor.of(in, 2, 4, 5, 5)) {
                    float[] want = plain.forward(x).toFloatArray();
                    assertArrayEquals(want, fused.forward(x).toFloatArray(), 1e-5f, "y in evaluation");
                    // Folding bn2 into conv2 leaves no BatchNorm at the end of the path: the separate passes again.
                    Fusion.foldBatchNorm(fused);
                    assertArrayEquals(want, fused.forward(x).toFloatArray(), 1e-4f, "y after folding");
                }
            }
        }
    }

    @Test
    void foldingNeedsEvaluationModeAndRunningStatistics() {
        try (Sequential model = new Sequential(Conv2d.builder(1, 2, 3).build(), new BatchNorm2d(2))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fusion.foldBatchNorm(model));
            assertTrue(e.getMessage().contains("call eval() first"), e.getMessage());
        }
        // The second pair cannot be folded: nothing is, the first pair included.
        try (Sequential model = new Sequential(Conv2d.builder(1, 2, 3).build(), new BatchNorm2d(2),
                Conv2d.builder(2, 2, 3).build(), new BatchNorm2d(2, 1e-5, 0.1, true, false))) {
            model.eval();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fusion.foldBatchNorm(model));
            assertTrue(e.getMessage().contains("3 (BatchNorm2d): without running statistics"), e.getMessage());
            assertTrue(model.layers().get(1) instanceof BatchNorm2d, "left as it was");
        }
    }
}
