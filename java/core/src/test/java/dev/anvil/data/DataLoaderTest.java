package dev.anvil.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Sample i is a 1x2x3 image filled with i and has label i % 10; reading {@code failAt} throws. */
    record Numbers(int size, int failAt) implements Dataset {
        Numbers(int size) {
            this(size, -1);
        }

        @Override
        public long[] sampleShape() {
            return new long[] {1, 2, 3};
        }

        @Override
        public int numClasses() {
            return 10;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            if (index == failAt) throw new IllegalStateException("sample " + index + " is unreadable");
            for (int i = 0; i < 6; i++) dst.put(index);
        }

        @Override
        public int label(int index) {
            return index % 10;
        }
    }

    /** The sample indices of one epoch, checking each batch's shape and contents on the way. */
    private static List<Integer> epoch(DataLoader loader) {
        List<Integer> seen = new ArrayList<>();
        for (Batch b : loader) {
            assertArrayEquals(new long[] {b.size(), 1, 2, 3}, b.images().shape());
            assertArrayEquals(new long[] {b.size()}, b.labels().shape());
            float[] x = b.images().toFloatArray();
            int[] y = b.labels().toIntArray();
            for (int i = 0; i < b.size(); i++) {
                int sample = (int) x[i * 6];
                for (int j = 1; j < 6; j++) assertEquals(sample, x[i * 6 + j]);
                assertEquals(sample % 10, y[i]);
                seen.add(sample);
            }
        }
        return seen;
    }

    private static List<Integer> sizes(DataLoader loader) {
        List<Integer> sizes = new ArrayList<>();
        for (Batch b : loader) sizes.add(b.size());
        return sizes;
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(i);
        return r;
    }

    @Test
    void everySampleOnceAndAPartialLastBatch() {
        try (DataLoader loader = DataLoader.builder(new Numbers(23)).batchSize(5).shuffle(true).seed(1).build()) {
            assertEquals(5, loader.numBatches());
            assertEquals(List.of(5, 5, 5, 5, 3), sizes(loader));
            List<Integer> seen = epoch(loader);
            assertNotEquals(range(23), seen, "shuffled");
            seen.sort(null);
            assertEquals(range(23), seen);
        }
    }

    @Test
    void dropLastLeavesOutThePartialBatch() {
        try (DataLoader loader = DataLoader.builder(new Numbers(23)).batchSize(5).dropLast(true).build()) {
            assertEquals(4, loader.numBatches());
            assertEquals(List.of(5, 5, 5, 5), sizes(loader));
            assertEquals(range(20), epoch(loader));
        }
        try (DataLoader exact = DataLoader.builder(new Numbers(20)).batchSize(5).build();
                DataLoader tiny = DataLoader.builder(new Numbers(3)).batchSize(5).build();
                DataLoader none = DataLoader.builder(new Numbers(3)).batchSize(5).dropLast(true).build()) {
            assertEquals(List.of(5, 5, 5, 5), sizes(exact));
            assertEquals(List.of(3), sizes(tiny));
            assertEquals(List.of(), sizes(none));
        }
    }

    @Test
    void withoutShuffleSamplesComeInIndexOrder() {
        try (DataLoader loader = DataLoader.builder(new Numbers(11)).batchSize(4).build()) {
            assertEquals(range(11), epoch(loader));
            assertEquals(range(11), epoch(loader));
        }
    }

    @Test
    void orderIsAFunctionOfSeedAndEpoch() {
        try (DataLoader a = DataLoader.builder(new Numbers(50)).batchSize(8).shuffle(true).seed(42).build();
                DataLoader b = DataLoader.builder(new Numbers(50)).batchSize(8).shuffle(true).seed(42).prefetch(0).build();
                DataLoader other = DataLoader.builder(new Numbers(50)).batchSize(8).shuffle(true).seed(43).build()) {
            List<Integer> a0 = epoch(a);
            List<Integer> a1 = epoch(a);
            assertEquals(2, a.epoch());
            assertNotEquals(a0, a1, "each epoch has its own order");
            assertEquals(a0, epoch(b));
            assertEquals(a1, epoch(b));
            assertNotEquals(a0, epoch(other), "another seed gives another order");
            b.setEpoch(1);
            assertEquals(a1, epoch(b), "setEpoch resumes an epoch's order");
            assertThrows(IllegalArgumentException.class, () -> b.setEpoch(-1));
        }
    }

    @Test
    void prefetchDoesNotChangeTheBatches() {
        List<List<Integer>> runs = new ArrayList<>();
        for (int prefetch : new int[] {0, 1, 2, 7}) {
            try (DataLoader loader = DataLoader.builder(new Numbers(37)).batchSize(6).shuffle(true).seed(7)
                    .prefetch(prefetch).build()) {
                List<Integer> run = epoch(loader);
                run.addAll(epoch(loader));
                runs.add(run);
            }
        }
        for (List<Integer> run : runs) assertEquals(runs.get(0), run);
    }

    @Test
    void batchesAreReusedFromAFixedRing() {
        try (DataLoader loader = DataLoader.builder(new Numbers(100)).batchSize(10).prefetch(2).build()) {
            long allocated = Tensor.liveBytes();
            assertEquals(3 * (10 * 6 * 4 + 10 * 4), allocated, "prefetch + 1 full batches");
            List<Batch> distinct = new ArrayList<>();
            for (int e = 0; e < 3; e++) {
                for (Batch b : loader) if (distinct.stream().noneMatch(d -> d == b)) distinct.add(b);
            }
            assertEquals(3, distinct.size());
            assertEquals(allocated, Tensor.liveBytes());
        }
    }

    @Test
    void breakingOffAnEpochAndStartingAnotherWorks() {
        try (DataLoader loader = DataLoader.builder(new Numbers(40)).batchSize(3).shuffle(true).seed(5).build()) {
            Iterator<Batch> first = loader.iterator();
            first.next();
            first.next();
            List<Integer> second = epoch(loader);
            second.sort(null);
            assertEquals(range(40), second);
            IllegalStateException stale = assertThrows(IllegalStateException.class, first::next);
            assertTrue(stale.getMessage().contains("stopped by a newer one"), stale.getMessage());
            for (int i = 0; i < 5; i++) {
                for (Batch b : loader) {
                    if (b.size() > 0) break;
                }
            }
            assertEquals(7, loader.epoch());
            Iterator<Batch> last = loader.iterator();
            while (last.hasNext()) last.next();
            assertThrows(NoSuchElementException.class, last::next);
        }
    }

    @Test
    void datasetExceptionsReachTheConsumer() {
        for (int prefetch : new int[] {0, 2}) {
            try (DataLoader loader = DataLoader.builder(new Numbers(20, 13)).batchSize(4).prefetch(prefetch).build()) {
                Iterator<Batch> it = loader.iterator();
                for (int i = 0; i < 3; i++) it.next();
                DataLoaderException e = assertThrows(DataLoaderException.class, it::next);
                assertTrue(e.getMessage().contains("batch 3 of 5 (epoch 0)"), e.getMessage());
                assertInstanceOf(IllegalStateException.class, e.getCause());
                assertEquals("sample 13 is unreadable", e.getCause().getMessage());
                assertFalse(it.hasNext(), "a failed epoch is over");
                DataLoaderException again = assertThrows(DataLoaderException.class, () -> sizes(loader));
                assertTrue(again.getMessage().contains("batch 3 of 5 (epoch 1)"), again.getMessage());
            }
        }
    }

    @Test
    void closeStopsTheThreadAndFreesEverything() throws InterruptedException {
        DataLoader loader = DataLoader.builder(new Numbers(100)).batchSize(7).prefetch(3).build();
        Iterator<Batch> it = loader.iterator();
        Batch b = it.next();
        assertTrue(Tensor.liveBytes() > 0);
        assertTrue(loaderThreadAlive(), "a producer thread fills ahead");
        loader.close();
        loader.close();
        assertEquals(0, Tensor.liveBytes());
        assertFalse(loaderThreadAlive());
        assertTrue(b.images().isClosed());
        assertThrows(IllegalStateException.class, it::next);
        assertThrows(IllegalStateException.class, loader::iterator);
    }

    private static boolean loaderThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(DataLoader.THREAD_NAME) && t.isAlive() && t.isDaemon());
    }

    @Test
    void badSettingsAreRejected() {
        DataLoader.Builder b = DataLoader.builder(new Numbers(10));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> b.batchSize(0));
        assertTrue(size.getMessage().contains("batchSize must be positive, got 0"), size.getMessage());
        IllegalArgumentException pre = assertThrows(IllegalArgumentException.class, () -> b.prefetch(-1));
        assertTrue(pre.getMessage().contains("prefetch must be >= 0"), pre.getMessage());
        assertThrows(NullPointerException.class, () -> DataLoader.builder(null));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(new Numbers(10)).batchSize(Integer.MAX_VALUE / 8).build());
        assertTrue(huge.getMessage().contains("smaller batch size"), huge.getMessage());
    }

    /** Numbers, except that sample 2 has {@code floats} floats and label {@code label}. */
    private static Dataset brokenAtSampleTwo(int floats, int label) {
        Numbers numbers = new Numbers(4);
        return new Dataset() {
            @Override
            public int size() {
                return numbers.size();
            }

            @Override
            public long[] sampleShape() {
                return numbers.sampleShape();
            }

            @Override
            public int numClasses() {
                return numbers.numClasses();
            }

            @Override
            public void read(int index, FloatBuffer dst) {
                if (index != 2) numbers.read(index, dst);
                else for (int i = 0; i < floats; i++) dst.put(index);
            }

            @Override
            public int label(int index) {
                return index == 2 ? label : numbers.label(index);
            }
        };
    }

    @Test
    void wrongSampleSizesAndLabelsFromADatasetAreReported() {
        try (DataLoader loader = DataLoader.builder(brokenAtSampleTwo(5, 2)).batchSize(4).prefetch(0).build()) {
            DataLoaderException e = assertThrows(DataLoaderException.class, () -> sizes(loader));
            assertTrue(e.getMessage().contains("wrote 5 floats for sample 2, expected 6"), e.getMessage());
        }
        try (DataLoader loader = DataLoader.builder(brokenAtSampleTwo(6, 10)).batchSize(3).build()) {
            DataLoaderException e = assertThrows(DataLoaderException.class, () -> sizes(loader));
            assertTrue(e.getMessage().contains("label 10 for sample 2, outside [0, 10)"), e.getMessage());
        }
    }

    /**
     * A loader for a GPU delivers the same samples, in the same order, as one for the CPU, with
     * prefetching (copies on the second stream) and without; the batches live on the GPU.
     */
    @Test
    void gpuBatchesHoldTheSameSamplesAsCpuBatches() {
        String why = dev.anvil.Device.cudaUnavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> "no usable CUDA: " + why);
        dev.anvil.Device gpu = dev.anvil.Device.cuda(0);
        for (int prefetch : new int[] {0, 2}) {
            try (DataLoader cpu = DataLoader.builder(new Numbers(103)).batchSize(8).shuffle(true).seed(5).build();
                    DataLoader onGpu = DataLoader.builder(new Numbers(103)).batchSize(8).shuffle(true).seed(5)
                            .prefetch(prefetch).device(gpu).build()) {
                assertEquals(gpu, onGpu.device());
                for (Batch b : onGpu) {
                    assertEquals(gpu, b.images().device());
                    assertEquals(gpu, b.labels().device());
                    break;
                }
                onGpu.setEpoch(0);
                assertEquals(epoch(cpu), epoch(onGpu), "prefetch " + prefetch);
            }
            assertEquals(0, Tensor.liveBytes(gpu));
        }
    }
}
