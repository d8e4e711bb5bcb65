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
