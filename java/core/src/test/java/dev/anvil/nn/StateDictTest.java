package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** loadStateDict: strict and lenient loading, every problem named, and nothing changed by a failed load. */
class StateDictTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static Map<String, float[]> snapshot(Layer model) {
        Map<String, float[]> out = new HashMap<>();
        model.stateDict().forEach((k, t) -> {
            if (t.dtype() == dev.anvil.DType.FLOAT32) out.put(k, t.toFloatArray());
        });
        return out;
    }

    @Test
    void aStateDictOfTheSameArchitectureLoadsExactly() {
        Init.manualSeed(1);
        try (Sequential a = Models.fmnistResNet()) {
            Init.manualSeed(2);
            try (Sequential b = Models.fmnistResNet()) {
                b.loadStateDict(a.stateDict(), true);
                Map<String, float[]> sa = snapshot(a), sb = snapshot(b);
                for (String k : sa.keySet()) assertArrayEquals(sa.get(k), sb.get(k), k);
            }
        }
    }

    @Test
    void problemsAreNamedEachAndNothingIsHalfLoaded() {
        try (Sequential model = new Sequential(new Linear(4, 3), new BatchNorm1d(3));
             Tensor wrongShape = Tensor.zeros(4, 3); Tensor extra = Tensor.zeros(2)) {
            Map<String, float[]> before = snapshot(model);
            Map<String, Tensor> state = new HashMap<>(model.stateDict());
            state.put("0.weight", wrongShape); // transposed
            state.remove("1.running_var");
            state.put("2.weight", extra);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state, true));
            String m = e.getMessage();
            assertTrue(m.contains("3 problems") && m.contains("0.weight has shape [4, 3] but the model's is [3, 4]")
                    && m.contains("missing 1.running_var FLOAT32[3]") && m.contains("unexpected 2.weight"), m);
            Map<String, float[]> after = snapshot(model);
            for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k);

            // Lenient: the missing and unexpected keys are skipped, a wrong shape still is not.
            state.put("0.weight", model.stateDict().get("0.weight"));
            model.loadStateDict(state, false);
            assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(Map.of("0.weight", wrongShape), false));
        }
    }

    @Test
    void sharedParametersAppearOnce() {
        Linear shared = new Linear(3, 3);
        try (Sequential model = new Sequential().add("a", shared).add("relu", new ReLU())) {
            assertEquals(List.of("a.weight", "a.bias"), List.copyOf(model.namedParameters().keySet()));
        }
    }
}
