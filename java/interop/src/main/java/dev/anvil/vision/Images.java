package dev.anvil.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files (PNG, JPEG, BMP, GIF: whatever {@code javax.imageio} reads) into
 * {@link Image}s with pixels scaled to [0, 1], as torchvision's {@code ToTensor} does: grey
 * (one channel) or RGB (three). RGB becomes grey by ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B,
 * as PIL's {@code convert("L")}); grey becomes RGB by repeating it; alpha is dropped. Grey files
 * are read from their raster, without colour-space conversion, so a stored value v gives v / 255
 * (v / 65535 for 16-bit files).
 */
public final class Images {
    private Images() {}

    /**
     * Reads the image at {@code file} with {@code channels} channels (1 or 3).
     *
     * @throws IOException naming the file if it is missing or not an image that can be decoded
     */
    public static Image read(Path file, int channels) throws IOException {
        Objects.requireNonNull(file, "file");
        checkChannels(channels);
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such image file");
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode the image (" + e.getMessage() + ")", e);
        }
        if (img == null) throw new IOException(file + ": not an image format that javax.imageio reads (PNG, JPEG, BMP, GIF)");
        return fromBufferedImage(img, channels);
    }

    /**
     * The width and height of the image at {@code file}, read from its header without decoding
     * the pixels: {@code {height, width}}.
     *
     * @throws IOException naming the file if it is not a readable image
     */
    public static int[] size(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new IOException(file + ": cannot open the file");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException(file + ": not an image format that javax.imageio reads (PNG, JPEG, BMP, GIF)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getHeight(0), reader.getWidth(0)};
            } catch (IOException | RuntimeException e) {
                throw new IOException(file + ": cannot read the image header (" + e.getMessage() + ")", e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** The pixels of {@code img} with {@code channels} channels (1 or 3), scaled to [0, 1]. */
    public static Image fromBufferedImage(BufferedImage img, int channels) {
        Objects.requireNonNull(img, "image");
        checkChannels(channels);
        int h = img.getHeight(), w = img.getWidth();
        float[] out = new float[channels * h * w];
        int plane = h * w;
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        if (cm.getNumColorComponents() == 1 && !cm.hasAlpha() && raster.getNumBands() == 1 && cm.getPixelSize() <= 16
                && cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY && img.getType() != BufferedImage.TYPE_BYTE_BINARY) {
            float max = (1 << cm.getComponentSize(0)) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x] / max;
                    for (int c = 0; c < channels; c++) out[c * plane + y * w + x] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x], r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
                    int i = y * w + x;
                    if (channels == 3) {
                        out[i] = r / 255f;
                        out[plane + i] = g / 255f;
                        out[2 * plane + i] = b / 255f;
                    } else {
                        // PIL's fixed-point luma of convert("L"): weights 0.299, 0.587, 0.114 in 16 bits, rounded.
                        out[i] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255f;
                    }
                }
            }
        }
        return new Image(out, channels, h, w);
    }

    static void checkChannels(int channels) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
    }
}
