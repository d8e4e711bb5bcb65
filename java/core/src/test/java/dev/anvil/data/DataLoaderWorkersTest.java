package dev.anvil.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Samples of a batch read on several worker threads. */
class DataLoaderWorkersTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Sample i is 3 floats (i, i + 0.25, i + 0.5) with label i % 4; records the threads that read it. */
    private static class Numbered implements Dataset {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final int failAt;

        Numbered(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public int size() {
            return 103;
        }

        @Override
        public long[] sampleShape() {
            return new long[] {3};
        }

        @Override
        public int numClasses() {
            return 4;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            threads.add(Thread.currentThread().getName());
            if (index == failAt) throw new IllegalStateException("sample " + index + " is broken");
            dst.put(index).put(index + 0.25f).put(index + 0.5f);
        }

        @Override
        public int label(int index) {
            return index % 4;
        }
    }

    private static List<float[]> epoch(DataLoader loader) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : loader) {
            out.add(b.images().toFloatArray());
            int[] labels = b.labels().toIntArray();
            float[] l = new float[labels.length];
            for (int i = 0; i < l.length; i++) l[i] = labels[i];
            out.add(l);
        }
        return out;
    }

    @Test
    void workersGiveTheSameBatchesAsOneThread() {
        Numbered one = new Numbered(-1), three = new Numbered(-1);
        try (DataLoader a = DataLoader.builder(one).batchSize(10).shuffle(true).seed(5).build();
                DataLoader b = DataLoader.builder(three).batchSize(10).shuffle(true).seed(5).workers(3).build()) {
            for (int e = 0; e < 2; e++) {
                List<float[]> x = epoch(a), y = epoch(b);
                assertEquals(x.size(), y.size());
                for (int i = 0; i < x.size(); i++) assertArrayEquals(x.get(i), y.get(i), "epoch " + e + ", array " + i);
            }
            float[] first = epoch(b).get(0);
            for (int s = 0; s < 10; s++) {
                assertEquals(first[3 * s] + 0.25f, first[3 * s + 1], "sample " + s + " lies whole in its slot");
            }
        }
        assertTrue(three.threads.stream().allMatch(t -> t.startsWith(DataLoader.WORKER_THREAD_NAME)), three.threads.toString());
        assertEquals(3, three.threads.size(), "three workers read: " + three.threads);
        assertEquals(Set.of(DataLoader.THREAD_NAME), one.threads);
    }

    @Test
    void aWorkersFailureReachesTheConsumer() {
        try (DataLoader loader = DataLoader.builder(new Numbered(57)).batchSize(10).workers(2).build()) {
            DataLoaderException e = assertThrows(DataLoaderException.class, () -> epoch(loader));
            assertTrue(e.getCause().getMessage().contains("sample 57 is broken"), e.getCause().getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(new Numbered(-1)).workers(0));
    }

    /** By default a dataset that decodes its samples gets the CPUs the compute threads leave; one in memory gets 1. */
    @Test
    void defaultWorkersFollowWhatTheDatasetReadsAndTheComputeThreadsLeave() {
        Dataset decoding = new Numbered(-1) {
            @Override
            public boolean decodesSamples() {
                return true;
            }
        };
        int threads = dev.anvil.Anvil.numThreads();
        try {
            dev.anvil.Anvil.setNumThreads(1);
            int expected = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
            try (DataLoader d = DataLoader.builder(decoding).batchSize(10).build();
                    DataLoader subset = DataLoader.builder(decoding.subset(50)).batchSize(10).build();
                    DataLoader memory = DataLoader.builder(new Numbered(-1)).batchSize(10).build();
                    DataLoader chosen = DataLoader.builder(decoding).batchSize(10).workers(3).build()) {
                assertEquals(expected, d.workers());
                assertEquals(expected, subset.workers(), "a subset reads as its source does");
                assertEquals(1, memory.workers());
                assertEquals(3, chosen.workers());
            }
        } finally {
            dev.anvil.Anvil.setNumThreads(threads);
        }
    }
}
