package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SumTreeTest {
    @Test
    void prefixSumsFindTheirSlots() {
        SumTree t = new SumTree(5); // not a power of two: padded with empty leaves
        double[] p = {1, 2, 3, 4, 0.5};
        for (int i = 0; i < p.length; i++) t.set(i, p[i]);
        assertEquals(10.5, t.total(), 1e-12);
        assertEquals(0.5, t.min(), 1e-12);
        assertEquals(0, t.find(0));
        assertEquals(0, t.find(0.999));
        assertEquals(1, t.find(1));
        assertEquals(1, t.find(2.999));
        assertEquals(2, t.find(3));
        assertEquals(3, t.find(9.99));
        assertEquals(4, t.find(10.2));
        t.set(2, 0);
        assertEquals(3, t.find(3.5), "an emptied slot is skipped");
        t.clear(4);
        assertEquals(0, t.min(), "slot 2 holds 0 now");
        t.set(2, 3);
        assertEquals(1, t.min(), 1e-12, "cleared slots do not count as the minimum");
        assertEquals(10, t.total(), 1e-12);
    }
}
