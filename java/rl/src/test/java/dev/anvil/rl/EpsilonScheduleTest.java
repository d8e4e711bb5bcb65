package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class EpsilonScheduleTest {
    @Test
    void linearFallsInAStraightLineThenStays() {
        // CleanRL's linear_schedule(start_e=1, end_e=0.05, duration=1000, t): slope (0.05 - 1) / 1000.
        EpsilonSchedule e = EpsilonSchedule.linear(1, 0.05, 1000);
        assertEquals(1.0, e.at(0), 1e-12);
        assertEquals(0.525, e.at(500), 1e-12);
        assertEquals(0.05, e.at(1000), 1e-12);
        assertEquals(0.05, e.at(1_000_000), 1e-12);
    }

    @Test
    void exponentialDecaysToItsFloor() {
        EpsilonSchedule e = EpsilonSchedule.exponential(1, 0.1, 0.5);
        assertEquals(0.25, e.at(2), 1e-12);
        assertEquals(0.1, e.at(10), 1e-12);
        assertEquals(0.3, EpsilonSchedule.constant(0.3).at(12345));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.constant(1.5));
        assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.linear(1, -0.1, 10));
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.linear(1, 0, 0));
        assertTrue(steps.getMessage().contains("steps must be >= 1"), steps.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.exponential(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> EpsilonSchedule.exponential(1, 0, 1.1));
    }
}
