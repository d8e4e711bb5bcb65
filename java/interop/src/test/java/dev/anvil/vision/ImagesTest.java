package dev.anvil.vision;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    @Test
    void greyPngGivesStoredValuesOver255() throws Exception {
        Path f = TestImages.grey(dir.resolve("g.png"), 3, 5, 200, "png");
        Image im = Images.read(f, 1);
        assertArrayEquals(new long[] {1, 3, 5}, im.shape());
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) assertEquals(((200 + 16 * y + x) % 256) / 255f, im.get(0, y, x));
        Image rgb = Images.read(f, 3);
        for (int c = 0; c < 3; c++) assertEquals(im.get(0, 2, 4), rgb.get(c, 2, 4));
        assertArrayEquals(new int[] {3, 5}, Images.size(f));
    }

    @Test
    void rgbPngGivesChannelsAndPilLuma() throws Exception {
        Path f = TestImages.rgb(dir.resolve("c.png"), 4, 6, 7, "png");
        Image im = Images.read(f, 3);
        assertEquals((10 * 2 + 3 + 7) / 255f, im.get(0, 2, 3));
        assertEquals(6 / 255f, im.get(1, 2, 3));
        assertEquals(253 / 255f, im.get(2, 2, 3));
        // PIL: Image.new("RGB", (1, 1), c).convert("L") gives 76 for red, 150 for green, 29 for blue and 124 for (10, 200, 30).
        int[][] colours = {{0xff0000, 76}, {0x00ff00, 150}, {0x0000ff, 29}, {0x0ac81e, 124}};
        for (int[] c : colours) {
            Path s = TestImages.solid(dir.resolve(Integer.toHexString(c[0]) + ".png"), 2, 2, c[0], "png");
            assertEquals(c[1] / 255f, Images.read(s, 1).get(0, 1, 1), Integer.toHexString(c[0]));
        }
    }

    @Test
    void bmpGifAndJpegDecode() throws Exception {
        Path bmp = TestImages.rgb(dir.resolve("c.bmp"), 4, 6, 7, "bmp");
        assertEquals(Images.read(TestImages.rgb(dir.resolve("c.png"), 4, 6, 7, "png"), 3), Images.read(bmp, 3));
        Path gif = TestImages.solid(dir.resolve("s.gif"), 3, 3, 0x000000, "gif");
        assertEquals(0f, Images.read(gif, 3).get(1, 1, 1));
        Path jpg = TestImages.solid(dir.resolve("s.jpg"), 16, 16, 0x808080, "jpg");
        Image j = Images.read(jpg, 1);
        assertArrayEquals(new long[] {1, 16, 16}, j.shape());
        assertEquals(128 / 255f, j.get(0, 8, 8), 3 / 255f, "JPEG is lossy, but a flat grey survives");
    }

    @Test
    void unreadableFilesAreNamed() throws Exception {
        Path bad = dir.resolve("bad.png");
        Files.writeString(bad, "not a png");
        IOException e = assertThrows(IOException.class, () -> Images.read(bad, 3));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        IOException h = assertThrows(IOException.class, () -> Images.size(bad));
        assertTrue(h.getMessage().startsWith(bad.toString()), h.getMessage());
        assertThrows(IOException.class, () -> Images.read(dir.resolve("none.png"), 3));
        Path ok = TestImages.grey(dir.resolve("g.png"), 2, 2, 0, "png");
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> Images.read(ok, 2));
        assertTrue(c.getMessage().contains("channels must be 1 (grey) or 3 (RGB), got 2"));
    }
}
