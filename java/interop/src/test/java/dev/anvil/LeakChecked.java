package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;

/** Tests that close every tensor they make: after each, no tensor memory is left. */
public abstract class LeakChecked {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }
}
