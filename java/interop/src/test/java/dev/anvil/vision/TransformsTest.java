package dev.anvil.vision;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {
    /** x[i] = i^1.5 / 10 on a 3x4 grid (PyTorch: torch.arange(12.).reshape(1, 1, 3, 4) ** 1.5 / 10). */
    private static Image grid() {
        float[] d = new float[12];
        for (int i = 0; i < 12; i++) d[i] = (float) (Math.pow(i, 1.5) / 10);
        return new Image(d, 1, 3, 4);
    }

    private static final SplittableRandom RNG = new SplittableRandom(1);

    @Test
    void resizeMatchesPyTorchBilinear() {
        // torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False), PyTorch 1.13.
        assertClose(new float[] {0.05f, 0.401229f, 0.413607f, 0.905081f, 0.959017f, 1.66086f, 1.872429f, 2.707514f, 2.481371f, 3.405282f},
                Transforms.resize(5, 2).apply(grid(), RNG));
        assertClose(new float[] {0.225751f, 0.467032f, 0.807191f, 1.964965f, 2.52182f, 3.12254f}, Transforms.resize(2, 3).apply(grid(), RNG));
        float[] up = Transforms.resize(6, 7).apply(grid(), RNG).data();
        assertEquals(42, up.length);
        assertEquals(0.035714f, up[1], 1e-5f);
        assertEquals(1.289914f, up[22], 1e-5f);
        assertEquals(3.648288f, up[41], 1e-5f);
        assertArrayEquals(new long[] {3, 6, 7}, Transforms.resize(6, 7).outputShape(new long[] {3, 2, 2}));
    }

    @Test
    void centerCropUsesTorchvisionOffsets() {
        Image im = new Image(seq(25), 1, 5, 5);
        // (5 - 2) / 2 = 1.5 rounds to 2 in Python (half to even); (5 - 3) / 2 = 1.
        assertArrayEquals(new float[] {12, 13, 17, 18}, Transforms.centerCrop(2, 2).apply(im, RNG).data());
        assertArrayEquals(new float[] {6, 7, 8, 11, 12, 13, 16, 17, 18}, Transforms.centerCrop(3, 3).apply(im, RNG).data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transforms.centerCrop(6, 2).outputShape(im.shape()));
        assertTrue(e.getMessage().contains("a 6x2 crop does not fit in a 5x5 image"), e.getMessage());
    }

    @Test
    void randomCropWithPaddingVisitsEveryOffsetAndPadsWithZeros() {
        Image im = new Image(seq(9, 1), 1, 3, 3); // values 1..9, so that padding (0) is visible
        Transform t = Transforms.randomCrop(3, 3, 1);
        Set<String> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            float[] d = t.apply(im, rng).data();
            // The centre of a 3x3 crop of the 5x5 padded image is pixel (1 + dy, 1 + dx) of the original, dy, dx in {-1, 0, 1}.
            int centre = (int) d[4] - 1;
            seen.add(centre / 3 + "," + centre % 3);
            if (centre / 3 == 0) assertArrayEquals(new float[] {0, 0, 0}, new float[] {d[0], d[1], d[2]}, "top row padded");
        }
        assertEquals(9, seen.size(), "all nine offsets: " + seen);
        assertEquals(t.apply(im, new SplittableRandom(3)), t.apply(im, new SplittableRandom(3)), "same generator, same crop");
    }

    @Test
    void horizontalFlipMirrorsRows() {
        Image im = new Image(seq(12), 2, 2, 3);
        assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9}, Transforms.randomHorizontalFlip(1).apply(im, RNG).data());
        assertSame(im, Transforms.randomHorizontalFlip(0).apply(im, RNG));
        int flipped = 0;
        SplittableRandom rng = new SplittableRandom(9);
        for (int i = 0; i < 1000; i++) if (Transforms.randomHorizontalFlip(0.5).apply(im, rng) != im) flipped++;
        assertTrue(flipped > 400 && flipped < 600, "about half flipped: " + flipped);
    }

    @Test
    void normalizePerChannel() {
        Image im = new Image(new float[] {0, 1, 0.5f, 0.5f}, 2, 1, 2);
        float[] out = Transforms.normalize(new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.125f}).apply(im, RNG).data();
        assertArrayEquals(new float[] {-1, 1, 2, 2}, out, 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new float[] {0}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new float[] {0, 1}, new float[] {1}));
        Transform three = Transforms.normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1});
        assertThrows(IllegalArgumentException.class, () -> three.apply(im, RNG));
    }

    @Test
    void randomResizedCropHasItsSizeAndStaysInsideTheImage() {
        Image im = new Image(seq(64, 1), 1, 8, 8);
        Transform t = Transforms.randomResizedCrop(4, 4, 0.08, 1, 3 / 4.0, 4 / 3.0);
        SplittableRandom rng = new SplittableRandom(11);
        Set<Float> firsts = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Image out = t.apply(im, rng);
            assertArrayEquals(new long[] {1, 4, 4}, out.shape());
            for (float v : out.data()) assertTrue(v >= 1 && v <= 64, "interpolates pixels of the image: " + v);
            firsts.add(out.data()[0]);
        }
        assertTrue(firsts.size() > 10, "crops differ: " + firsts.size());
        // Full scale and a square ratio: the whole image, resized.
        assertEquals(Transforms.resize(4, 4).apply(im, RNG), Transforms.randomResizedCrop(4, 4, 1, 1, 1, 1).apply(im, RNG));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomResizedCrop(4, 4, 0, 1, 1, 1));
    }

    @Test
    void composeChainsShapesAndImages() {
        Transform t = Transforms.compose(Transforms.resize(10, 10), Transforms.centerCrop(6, 8), Transforms.randomHorizontalFlip(1));
        assertArrayEquals(new long[] {3, 6, 8}, t.outputShape(new long[] {3, 28, 28}));
        Image out = t.apply(new Image(seq(3 * 12 * 12), 3, 12, 12), RNG);
        assertArrayEquals(new long[] {3, 6, 8}, out.shape());
        assertThrows(IllegalArgumentException.class, () -> Transforms.compose(Transforms.resize(4, 4), Transforms.centerCrop(5, 5))
                .outputShape(new long[] {1, 8, 8}));
        assertThrows(IllegalArgumentException.class, () -> Transforms.resize(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(2, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(1.5));
        assertThrows(NullPointerException.class, () -> Transforms.compose((Transform) null));
    }

    private static float[] seq(int n) {
        return seq(n, 0);
    }

    private static float[] seq(int n, int from) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = from + i;
        return d;
    }

    private static void assertClose(float[] expected, Image actual) {
        assertArrayEquals(expected, actual.data(), 1e-5f);
    }
}
