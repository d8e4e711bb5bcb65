package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.nn.Linear;
import dev.anvil.optim.Adam;
import org.junit.jupiter.api.Test;

class TinyMomentFlushTest {
    @Test
    void zeroesOnlyMomentsBelowTheThreshold() {
        try (Linear layer = new Linear(2, 1); Adam adam = Adam.builder().build(layer.parameters())) {
            TinyMomentFlush flush = new TinyMomentFlush(adam);
            adam.stateOf(0).get("exp_avg").copyFrom(new float[] {1e-35f, -1e-31f});
            adam.stateOf(0).get("exp_avg_sq").copyFrom(new float[] {1e-29f, 0.5f});
            adam.stateOf(1).get("exp_avg").copyFrom(new float[] {Float.MIN_VALUE});
            flush.flush();
            assertArrayEquals(new float[] {0, 0}, adam.stateOf(0).get("exp_avg").toFloatArray());
            assertArrayEquals(new float[] {1e-29f, 0.5f}, adam.stateOf(0).get("exp_avg_sq").toFloatArray());
            assertArrayEquals(new float[] {0}, adam.stateOf(1).get("exp_avg").toFloatArray());
        }
    }
}
