package dev.anvil.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The schedules against PyTorch's definitions (torch.optim.lr_scheduler documentation): closed forms
 * of CosineAnnealingLR, StepLR, MultiStepLR and OneCycleLR at chosen steps.
 */
class LrScheduleTest {
    private static final double EPS = 1e-12;

    @Test
    void cosineAnnealing() {
        LrSchedule s = LrSchedule.cosine(100);
        assertEquals(0.1, s.lr(0.1, 0), EPS);
        assertEquals(0.05, s.lr(0.1, 50), EPS); // half way: (1 + cos(pi/2)) / 2
        assertEquals(0.1 * (1 + Math.cos(Math.PI * 0.25)) / 2, s.lr(0.1, 25), EPS);
        assertEquals(0.0, s.lr(0.1, 100), EPS);
        assertEquals(0.0, s.lr(0.1, 150), EPS);
        LrSchedule warm = LrSchedule.cosine(110, 0.001, 10);
        assertEquals(0.01, warm.lr(0.1, 0), EPS);
        assertEquals(0.1, warm.lr(0.1, 9), EPS);
        assertEquals(0.1, warm.lr(0.1, 10), EPS);
        assertEquals(0.001 + 0.099 / 2, warm.lr(0.1, 60), EPS);
    }

    @Test
    void stepAndMultiStep() {
        assertEquals(0.1, LrSchedule.step(30, 0.1).lr(0.1, 29), EPS);
        assertEquals(0.01, LrSchedule.step(30, 0.1).lr(0.1, 30), EPS);
        LrSchedule m = LrSchedule.multiStep(new long[] {80, 30}, 0.5);
        assertEquals(1.0, m.lr(1.0, 29), EPS);
        assertEquals(0.5, m.lr(1.0, 30), EPS);
        assertEquals(0.25, m.lr(1.0, 80), EPS);
    }

    /** OneCycleLR(max_lr=1, total_steps=100): starts at 1/25, peaks at step 29, ends at 1/25/1e4. */
    @Test
    void oneCycle() {
        LrSchedule s = LrSchedule.oneCycle(100, 0.3);
        assertEquals(0.04, s.lr(1.0, 0), EPS);
        assertEquals(1.0, s.lr(1.0, 29), EPS);
        assertEquals(0.04 / 1e4, s.lr(1.0, 99), EPS);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(10, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.oneCycle(10, 1.0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0, 0.1));
    }
}
