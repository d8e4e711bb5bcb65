package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class NormalizedDatasetTest {
    @Test
    void standardisesEveryValueInPlace() {
        SyntheticDataset base = new SyntheticDataset(10, 4);
        NormalizedDataset n = new NormalizedDataset(base, 0.5, 0.25);
        FloatBuffer raw = FloatBuffer.allocate(64), norm = FloatBuffer.allocate(70);
        base.read(3, raw);
        norm.position(6); // writes at the buffer's position, as the loaders expect
        n.read(3, norm);
        assertEquals(70, norm.position());
        for (int i = 0; i < 64; i++) assertEquals((raw.get(i) - 0.5f) * 4f, norm.get(6 + i), 1e-6);
        assertEquals(base.label(3), n.label(3));
        assertEquals(10, n.size());
        assertThrows(IllegalArgumentException.class, () -> new NormalizedDataset(base, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new NormalizedDataset(null, 0, 1));
    }
}
