package dev.anvil.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fashion-MNIST (or MNIST, which uses the same file names and format): 28x28 grey-scale images in
 * 10 classes, 60000 for training and 10000 for testing. Each file may be gzip-compressed
 * ({@code train-images-idx3-ubyte.gz}) or raw ({@code train-images-idx3-ubyte}).
 */
public final class FashionMnist {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    private static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Number of classes. */
    public static final int CLASSES = 10;

    private FashionMnist() {}

    /** The folder Debian's {@code dataset-fashion-mnist} package installs the files into. */
    public static Path defaultDir() {
        return DEBIAN_DIR;
    }

    /** The 60000 training samples from {@code dir}. */
    public static Dataset train(Path dir) throws IOException {
        return load(dir, "train");
    }

    /** The 10000 test samples from {@code dir}. */
    public static Dataset test(Path dir) throws IOException {
        return load(dir, "t10k");
    }

    private static Dataset load(Path dir, String prefix) throws IOException {
        Objects.requireNonNull(dir, "dir");
        String images = prefix + "-images-idx3-ubyte";
        String labels = prefix + "-labels-idx1-ubyte";
        Path imagesFile = find(dir, images);
        Path labelsFile = find(dir, labels);
        if (imagesFile == null || labelsFile == null) {
            List<String> missing = new ArrayList<>();
            if (imagesFile == null) missing.add(images + "[.gz]");
            if (labelsFile == null) missing.add(labels + "[.gz]");
            throw new DatasetNotFoundException("Fashion-MNIST files not found: expected " + String.join(" and ", missing)
                    + " in " + dir.toAbsolutePath() + (Files.isDirectory(dir) ? "" : " (no such folder)")
                    + "; install them with `apt-get install dataset-fashion-mnist` or pass the folder that holds them"
                    + " (--data DIR)");
        }
        Dataset d = ImageClassificationDataset.load(imagesFile, labelsFile, CLASSES);
        LOG.info("loaded {} from {}", d, dir);
        return d;
    }

    /** The gzip or raw file of that name in {@code dir}, or null if neither exists. */
    private static Path find(Path dir, String name) {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }
}
