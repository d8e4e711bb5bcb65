package dev.anvil.data;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Grey-scale images with class labels, read from a pair of IDX files (images {@code [N, H, W]},
 * labels {@code [N]}, both unsigned bytes) as MNIST and Fashion-MNIST ship them. Samples have shape
 * {@code {1, H, W}} with pixels scaled to {@code [0, 1]}; the pixels stay in memory as bytes
 * (a quarter of the size of floats) and are converted as they are read.
 */
public final class ImageClassificationDataset implements Dataset {
    private final String name;
    private final byte[] pixels;
    private final byte[] labels;
    private final int size;
    private final int height;
    private final int width;
    private final int numClasses;

    private ImageClassificationDataset(String name, Idx images, Idx labels, int numClasses) {
        this.name = name;
        this.pixels = images.data();
        this.labels = labels.data();
        this.size = images.dims()[0];
        this.height = images.dims()[1];
        this.width = images.dims()[2];
        this.numClasses = numClasses;
    }

    /**
     * Loads an images file and a labels file (raw or gzip IDX).
     *
     * @throws IOException if a file cannot be read, has the wrong shape, the counts differ, or a
     *     label is not below {@code numClasses}
     */
    public static ImageClassificationDataset load(Path imagesFile, Path labelsFile, int numClasses) throws IOException {
        Objects.requireNonNull(imagesFile, "imagesFile");
        Objects.requireNonNull(labelsFile, "labelsFile");
        if (numClasses <= 0) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        Idx images = Idx.read(imagesFile);
        if (images.rank() != 3) {
            throw new IOException("images file " + imagesFile + " must have 3 dimensions [N, H, W], has " + images);
        }
        Idx labels = Idx.read(labelsFile);
        if (labels.rank() != 1) {
            throw new IOException("labels file " + labelsFile + " must have 1 dimension [N], has " + labels);
        }
        if (images.dims()[0] != labels.dims()[0]) {
            throw new IOException("images file " + imagesFile + " holds " + images.dims()[0] + " images but labels file "
                    + labelsFile + " holds " + labels.dims()[0] + " labels");
        }
        byte[] l = labels.data();
        for (int i = 0; i < l.length; i++) {
            if ((l[i] & 0xff) >= numClasses) {
                throw new IOException("labels file " + labelsFile + ": label " + (l[i] & 0xff) + " of sample " + i
                        + " is not below the number of classes, " + numClasses);
            }
        }
        return new ImageClassificationDataset(imagesFile.getFileName().toString(), images, labels, numClasses);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long[] sampleShape() {
        return new long[] {1, height, width};
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        int n = height * width;
        int start = Objects.checkIndex(index, size) * n;
        for (int i = start; i < start + n; i++) {
            dst.put((pixels[i] & 0xff) / 255f);
        }
    }

    @Override
    public int label(int index) {
        return labels[Objects.checkIndex(index, size)] & 0xff;
    }

    @Override
    public String toString() {
        return name + " (" + size + " images of 1x" + height + "x" + width + ", " + numClasses + " classes)";
    }
}
