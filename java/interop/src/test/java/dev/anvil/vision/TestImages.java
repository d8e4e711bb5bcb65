package dev.anvil.vision;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small images with known pixels for the tests. */
final class TestImages {
    private TestImages() {}

    /** A grey image whose pixel (y, x) is {@code (base + 16 * y + x) % 256}, written as {@code format}. */
    static Path grey(Path file, int h, int w, int base, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, (base + 16 * y + x) % 256);
        return write(img, file, format);
    }

    /** An RGB image of one colour. */
    static Path solid(Path file, int h, int w, int rgb, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        return write(img, file, format);
    }

    /** An RGB image whose pixel (y, x) is (r, g, b) = (10 y + x + base, 2 x, 255 - y) modulo 256. */
    static Path rgb(Path file, int h, int w, int base, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, ((10 * y + x + base) & 0xff) << 16 | ((2 * x) & 0xff) << 8 | ((255 - y) & 0xff));
        }
        return write(img, file, format);
    }

    private static Path write(BufferedImage img, Path file, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no writer for " + format);
        return file;
    }
}
