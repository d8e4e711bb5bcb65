package dev.anvil.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.anvil.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageClassificationDatasetTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private void writeMnistLike(String prefix, int n, byte[] labels, boolean gzip) throws IOException {
        byte[] pixels = new byte[n * 2 * 3];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (i % 2 == 0 ? 255 : i);
        byte[] images = IdxTest.idx(0x00000803, new int[] {n, 2, 3}, pixels);
        byte[] labelFile = IdxTest.idx(0x00000801, new int[] {labels.length}, labels);
        String gz = gzip ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + gz), gzip ? IdxTest.gzip(images) : images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + gz), gzip ? IdxTest.gzip(labelFile) : labelFile);
    }

    @Test
    void loadsScaledPixelsAndLabelsFromGzipOrRawFiles() throws IOException {
        writeMnistLike("train", 3, new byte[] {9, 0, 4}, true);
        writeMnistLike("t10k", 2, new byte[] {1, 2}, false);
        Dataset train = FashionMnist.train(dir);
        assertEquals(3, train.size());
        assertArrayEquals(new long[] {1, 2, 3}, train.sampleShape());
        assertEquals(10, train.numClasses());
        assertEquals(9, train.label(0));
        assertEquals(4, train.label(2));
        FloatBuffer dst = FloatBuffer.allocate(7);
        dst.put(-1f);
        train.read(1, dst);
        assertEquals(7, dst.position());
        assertEquals(1f, dst.get(1));
        assertEquals(7 / 255f, dst.get(2), 1e-7);
        assertThrows(IndexOutOfBoundsException.class, () -> train.label(3));

        Dataset test = FashionMnist.test(dir);
        assertEquals(2, test.size());
        assertEquals(2, test.label(1));
    }

    @Test
    void subsetIsAViewOfTheFirstSamples() throws IOException {
        writeMnistLike("train", 3, new byte[] {9, 0, 4}, false);
        Dataset train = FashionMnist.train(dir);
        Dataset two = train.subset(2);
        assertEquals(2, two.size());
        assertEquals(0, two.label(1));
        assertArrayEquals(train.sampleShape(), two.sampleShape());
        assertThrows(IndexOutOfBoundsException.class, () -> two.label(2));
        assertSame(train, train.subset(3));
        assertSame(train, train.subset(100));
        assertThrows(IllegalArgumentException.class, () -> train.subset(0));
    }

    @Test
    void inconsistentFilesAreRejected() throws IOException {
        writeMnistLike("train", 3, new byte[] {1, 2}, false);
        IOException count = assertThrows(IOException.class, () -> FashionMnist.train(dir));
        assertTrue(count.getMessage().contains("3 images") && count.getMessage().contains("2 labels"), count.getMessage());

        writeMnistLike("t10k", 2, new byte[] {1, 10}, false);
        IOException label = assertThrows(IOException.class, () -> FashionMnist.test(dir));
        assertTrue(label.getMessage().contains("label 10 of sample 1"), label.getMessage());

        Path images = dir.resolve("t10k-images-idx3-ubyte");
        IOException rank = assertThrows(IOException.class, () -> ImageClassificationDataset.load(
                dir.resolve("t10k-labels-idx1-ubyte"), images, 10));
        assertTrue(rank.getMessage().contains("3 dimensions"), rank.getMessage());
    }

    @Test
    void missingFilesSayWhatToInstall() throws IOException {
        writeMnistLike("train", 1, new byte[] {1}, false);
        Files.delete(dir.resolve("train-labels-idx1-ubyte"));
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte"), e.getMessage());
        assertFalse(e.getMessage().contains("train-images"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data DIR"), e.getMessage());

        DatasetNotFoundException none = assertThrows(DatasetNotFoundException.class,
                () -> FashionMnist.test(dir.resolve("nowhere")));
        assertTrue(none.getMessage().contains("no such folder"), none.getMessage());
    }

    @Test
    void installedFashionMnistLoads() throws IOException {
        Path installed = FashionMnist.defaultDir();
        Assumptions.assumeTrue(Files.isDirectory(installed), "Fashion-MNIST is not installed in " + installed);
        Dataset train = FashionMnist.train(installed);
        Dataset test = FashionMnist.test(installed);
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        for (Dataset d : new Dataset[] {train, test}) {
            assertArrayEquals(new long[] {1, 28, 28}, d.sampleShape());
            int[] perClass = new int[10];
            for (int i = 0; i < d.size(); i++) perClass[d.label(i)]++;
            for (int c : perClass) assertEquals(d.size() / 10, c, "Fashion-MNIST classes are balanced");
            FloatBuffer buf = FloatBuffer.allocate(28 * 28 * 100);
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int i = 0; i < 100; i++) d.read(i, buf);
            for (int i = 0; i < buf.capacity(); i++) {
                min = Math.min(min, buf.get(i));
                max = Math.max(max, buf.get(i));
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
        }
        try (DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build()) {
            int samples = 0;
            for (Batch b : loader) {
                assertArrayEquals(new long[] {b.size(), 1, 28, 28}, b.images().shape());
                samples += b.size();
            }
            assertEquals(60000, samples);
            assertEquals(938, loader.numBatches());
        }
    }
}
