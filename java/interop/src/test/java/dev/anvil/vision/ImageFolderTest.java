package dev.anvil.vision;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.data.DataLoaderException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest extends LeakChecked {
    @TempDir
    Path root;

    /** Three classes (ant, bee, cat; created out of order) of 6x5 RGB PNGs, 2, 3 and 1 of them, and a stray text file. */
    private void threeClasses() throws IOException {
        TestImages.rgb(root.resolve("cat/z.png"), 6, 5, 100, "png");
        TestImages.rgb(root.resolve("ant/b.png"), 6, 5, 1, "png");
        TestImages.rgb(root.resolve("ant/a.PNG"), 6, 5, 0, "png");
        TestImages.rgb(root.resolve("bee/1.bmp"), 6, 5, 50, "bmp");
        TestImages.rgb(root.resolve("bee/2.gif"), 6, 5, 51, "png"); // a PNG named .gif: ImageIO reads the content
        TestImages.rgb(root.resolve("bee/3.png"), 6, 5, 52, "png");
        Files.writeString(root.resolve("bee/notes.txt"), "not an image");
    }

    @Test
    void classesAreSortedSubfoldersAndSamplesTheirImages() throws Exception {
        threeClasses();
        ImageFolder ds = ImageFolder.builder(root).build();
        assertEquals(List.of("ant", "bee", "cat"), ds.classes());
        assertEquals(6, ds.size());
        assertEquals(3, ds.numClasses());
        assertArrayEquals(new long[] {3, 6, 5}, ds.sampleShape());
        int[] labels = new int[6];
        for (int i = 0; i < 6; i++) labels[i] = ds.label(i);
        assertArrayEquals(new int[] {0, 0, 1, 1, 1, 2}, labels);
        assertEquals("a.PNG", ds.file(0).getFileName().toString());
        assertEquals(Images.read(root.resolve("cat/z.png"), 3), ds.image(5));
        FloatBuffer buf = FloatBuffer.allocate(90);
        ds.read(1, buf);
        assertEquals((10 * 2 + 3 + 1) / 255f, buf.get(2 * 5 + 3), "red of pixel (2, 3) of ant/b.png");
    }

    @Test
    void loaderBatchesTransformedSamples() throws Exception {
        threeClasses();
        ImageFolder ds = ImageFolder.builder(root).channels(1).resize(8, 8)
                .transform(Transforms.compose(Transforms.randomCrop(6, 6, 1), Transforms.normalize(new float[] {0.5f}, new float[] {0.25f})))
                .seed(3).build();
        assertArrayEquals(new long[] {1, 6, 6}, ds.sampleShape());
        try (DataLoader loader = DataLoader.builder(ds).batchSize(4).build()) {
            int n = 0;
            for (Batch b : loader) {
                assertArrayEquals(new long[] {b.size(), 1, 6, 6}, b.images().shape());
                n += b.size();
            }
            assertEquals(6, n);
        }
    }

    @Test
    void augmentationDependsOnSeedSampleAndEpochNotOnReadingOrder() throws Exception {
        threeClasses();
        Transform t = Transforms.compose(Transforms.randomCrop(4, 4, 2), Transforms.randomHorizontalFlip(0.5));
        ImageFolder a = ImageFolder.builder(root).transform(t).seed(7).build();
        ImageFolder b = ImageFolder.builder(root).transform(t).seed(7).build();
        Image[] forward = new Image[6];
        for (int i = 0; i < 6; i++) forward[i] = a.image(i);
        for (int i = 5; i >= 0; i--) assertEquals(forward[i], b.image(i), "sample " + i + " read in another order");
        int differs = 0;
        for (int i = 0; i < 6; i++) if (!forward[i].equals(a.image(i))) differs++;
        assertTrue(differs > 0, "the second epoch is augmented differently");
        ImageFolder other = ImageFolder.builder(root).transform(t).seed(8).build();
        int seedDiffers = 0;
        for (int i = 0; i < 6; i++) if (!forward[i].equals(other.image(i))) seedDiffers++;
        assertTrue(seedDiffers > 0, "another seed, other crops");
    }

    @Test
    void meanStdOfKnownImages() throws Exception {
        // Two 2x2 images of one colour each: red channel 255 and 0 (mean 0.5, std 0.5), green 51 and 51, blue 0 and 102.
        TestImages.solid(root.resolve("a/1.png"), 2, 2, 0xff3300, "png");
        TestImages.solid(root.resolve("b/1.png"), 2, 2, 0x003366, "png");
        float[][] ms = ImageFolder.builder(root).build().meanStd();
        assertArrayEquals(new float[] {0.5f, 0.2f, 0.2f}, ms[0], 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0f, 0.2f}, ms[1], 1e-6f);
    }

    @Test
    void badFoldersFailBeforeTrainingWithTheirNames() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> ImageFolder.builder(root.resolve("nope")).build());
        assertTrue(missing.getMessage().contains("no such folder"), missing.getMessage());
        IOException empty = assertThrows(IOException.class, () -> ImageFolder.builder(root).build());
        assertTrue(empty.getMessage().contains("has no class folders"), empty.getMessage());

        threeClasses();
        Files.createDirectories(root.resolve("dog"));
        Files.writeString(root.resolve("dog/readme.txt"), "");
        IOException noImages = assertThrows(IOException.class, () -> ImageFolder.builder(root).build());
        assertTrue(noImages.getMessage().contains("class folder " + root.resolve("dog") + " holds no images"), noImages.getMessage());
        Files.delete(root.resolve("dog/readme.txt"));
        Files.delete(root.resolve("dog"));

        TestImages.rgb(root.resolve("cat/big.png"), 7, 5, 0, "png");
        IOException sizes = assertThrows(IOException.class, () -> ImageFolder.builder(root).build());
        assertTrue(sizes.getMessage().contains(root.resolve("cat/big.png") + " is 7x5; set resize(height, width)"), sizes.getMessage());
        assertEquals(7, ImageFolder.builder(root).resize(6, 5).build().size(), "resizing accepts mixed sizes");
        Files.delete(root.resolve("cat/big.png"));

        Path corrupt = root.resolve("bee/broken.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        IOException bad = assertThrows(IOException.class, () -> ImageFolder.builder(root).build());
        assertTrue(bad.getMessage().startsWith(corrupt.toString()), bad.getMessage());
        ImageFolder skipping = ImageFolder.builder(root).skipUnreadable(true).build();
        assertEquals(1, skipping.skippedFiles());
        assertEquals(6, skipping.size());

        IllegalArgumentException crop = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.builder(root).skipUnreadable(true).transform(Transforms.centerCrop(10, 10)).build());
        assertTrue(crop.getMessage().contains("does not fit in a 6x5 image"), crop.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.builder(root).channels(4));
    }

    @Test
    void aFileThatBreaksAfterTheScanIsNamedByTheLoader() throws Exception {
        threeClasses();
        ImageFolder ds = ImageFolder.builder(root).build();
        Files.writeString(root.resolve("cat/z.png"), "gone bad");
        try (DataLoader loader = DataLoader.builder(ds).batchSize(6).build()) {
            DataLoaderException e = assertThrows(DataLoaderException.class, () -> loader.iterator().next());
            String all = e.getMessage() + " " + (e.getCause() == null ? "" : e.getCause().getMessage());
            assertTrue(all.contains(root.resolve("cat/z.png").toString()), all);
        }
    }
}
