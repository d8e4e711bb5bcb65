package dev.anvil.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
    /** Sample i is the float i; labels: the first 30 samples class 0, the next 60 class 1, the last 10 class 2. */
    private static final Dataset DATA = new Dataset() {
        @Override
        public int size() {
            return 100;
        }

        @Override
        public long[] sampleShape() {
            return new long[] {1};
        }

        @Override
        public int numClasses() {
            return 3;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            dst.put(index);
        }

        @Override
        public int label(int index) {
            return index < 30 ? 0 : index < 90 ? 1 : 2;
        }
    };

    private static int value(Dataset d, int i) {
        FloatBuffer b = FloatBuffer.allocate(1);
        d.read(i, b);
        return (int) b.get(0);
    }

    @Test
    void subsetByIndices() {
        Dataset s = Splits.subset(DATA, 5, 99, 5);
        assertEquals(3, s.size());
        assertEquals(99, value(s, 1));
        assertEquals(2, s.label(1));
        assertEquals(5, value(s, 2));
        assertThrows(IllegalArgumentException.class, () -> Splits.subset(DATA, 100));
        assertThrows(IllegalArgumentException.class, () -> Splits.subset(DATA));
        assertThrows(IndexOutOfBoundsException.class, () -> s.label(3));
    }

    @Test
    void randomSplitHasPyTorchsSizesAndCoversEverySampleOnce() {
        // PyTorch 1.13's random_split lengths: range(100) by [0.33, 0.33, 0.34] -> [33, 33, 34];
        // range(10) by [0.25, 0.25, 0.5] -> [3, 2, 5]; range(7) by [0.3, 0.3, 0.4] -> [3, 2, 2].
        List<Dataset> parts = Splits.randomSplit(DATA, 7, 0.33, 0.33, 0.34);
        assertEquals(List.of(33, 33, 34), parts.stream().map(Dataset::size).toList());
        assertEquals(List.of(3, 2, 5), Splits.randomSplit(DATA.subset(10), 1, 0.25, 0.25, 0.5).stream().map(Dataset::size).toList());
        assertEquals(List.of(3, 2, 2), Splits.randomSplit(DATA.subset(7), 1, 0.3, 0.3, 0.4).stream().map(Dataset::size).toList());
        Set<Integer> seen = new HashSet<>();
        for (Dataset p : parts) for (int i = 0; i < p.size(); i++) assertTrue(seen.add(value(p, i)));
        assertEquals(100, seen.size());
        assertEquals(value(parts.get(1), 0), value(Splits.randomSplit(DATA, 7, 0.33, 0.33, 0.34).get(1), 0), "same seed, same split");
        boolean differs = false;
        List<Dataset> other = Splits.randomSplit(DATA, 8, 0.33, 0.33, 0.34);
        for (int i = 0; i < 10; i++) differs |= value(other.get(0), i) != value(parts.get(0), i);
        assertTrue(differs, "another seed, another split");
        assertThrows(IllegalArgumentException.class, () -> Splits.randomSplit(DATA, 1, 0.5, 0.4));
        assertThrows(IllegalArgumentException.class, () -> Splits.randomSplit(DATA, 1, 1.5, -0.5));
        assertThrows(IllegalArgumentException.class, () -> Splits.randomSplit(DATA, 1, 1.0, 0.0));
    }

    @Test
    void stratifiedSplitKeepsClassProportions() {
        List<Dataset> parts = Splits.stratifiedSplit(DATA, 3, 0.8, 0.2);
        assertEquals(80, parts.get(0).size());
        assertEquals(20, parts.get(1).size());
        int[] counts = new int[3];
        for (int i = 0; i < parts.get(1).size(); i++) counts[parts.get(1).label(i)]++;
        assertArrayEquals(new int[] {6, 12, 2}, counts, "20% of 30, 60 and 10");
        Set<Integer> seen = new HashSet<>();
        for (Dataset p : parts) for (int i = 0; i < p.size(); i++) assertTrue(seen.add(value(p, i)));
        assertEquals(100, seen.size());
        int firstLabels = 0;
        for (int i = 0; i < 10; i++) firstLabels += parts.get(1).label(i);
        assertTrue(firstLabels > 0, "the parts are shuffled, not sorted by class");
    }
}
