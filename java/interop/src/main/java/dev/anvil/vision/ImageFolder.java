package dev.anvil.vision;

import dev.anvil.data.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images in one subfolder per class, as torchvision's {@code ImageFolder}: {@code root/cat/1.png},
 * {@code root/dog/a.jpg}. Classes are the subfolders sorted by name (label i is the i-th), samples
 * are the image files (png, jpg, jpeg, bmp, gif) of each, sorted by name; other files are ignored.
 * A sample is decoded when it is read ({@link Images#read}: grey or RGB, [0, 1]), resized if
 * {@link Builder#resize} was given, then passed through the {@link Builder#transform}.
 *
 * <pre>{@code
 * ImageFolder train = ImageFolder.builder(Path.of("data/train")).channels(3)
 *         .transform(Transforms.compose(Transforms.randomCrop(32, 32, 4), Transforms.randomHorizontalFlip(0.5),
 *                 Transforms.normalize(mean, std)))
 *         .seed(42).build();
 * try (DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build()) { ... }
 * }</pre>
 *
 * <p>{@link #fromList} reads the same from a CSV or TSV list of {@code path,label} rows instead.
 *
 * <p><b>Checks before training.</b> {@link Builder#build} reads every file's header (not its
 * pixels): a missing or empty root, a class folder with no images, an unreadable file (named; or,
 * with {@link Builder#skipUnreadable}, skipped, logged and counted) and images of different sizes
 * without a resize each fail there with a message that names the folder or file.
 *
 * <p><b>Random transforms.</b> The k-th read of sample i draws from a generator seeded by (seed,
 * i, k), so an epoch that reads every sample once is augmented the same way whatever the order
 * or the thread that reads it, and each epoch differently.
 */
public final class ImageFolder implements Dataset {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** File name extensions read as images, lower case. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final Path root;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final boolean resized;
    private final Transform transform;
    private final long seed;
    private final long[] sampleShape;
    private final int skipped;
    private final AtomicIntegerArray reads;

    private ImageFolder(Builder b, List<String> classes, List<Path> files, int[] labels, int height, int width, int skipped) {
        this.root = b.root;
        this.classes = Collections.unmodifiableList(classes);
        this.files = files;
        this.labels = labels;
        this.channels = b.channels;
        this.height = height;
        this.width = width;
        this.resized = b.resizeHeight > 0;
        this.transform = b.transform;
        this.seed = b.seed;
        this.sampleShape = transform.outputShape(new long[] {channels, height, width});
        this.skipped = skipped;
        this.reads = new AtomicIntegerArray(files.size());
    }

    /** Images in one subfolder per class under {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root, null);
    }

    /**
     * Images listed in a CSV or TSV file, one {@code path,label} row per image (a tab separates
     * the fields in a .tsv file, a comma otherwise; fields may be in double quotes). Relative
     * paths are relative to the list's folder. Labels are class names; classes are the distinct
     * names sorted, or, when every label is an integer, 0 to the largest. A first row
     * {@code path,label} (any names) is skipped as a header when its label field is the word
     * "label" or {@link Builder#header} says so.
     */
    public static Builder fromList(Path listFile) {
        return new Builder(null, Objects.requireNonNull(listFile, "listFile"));
    }

    /** The class names, by label. */
    public List<String> classes() {
        return classes;
    }

    /** The image file of sample {@code index}. */
    public Path file(int index) {
        return files.get(Objects.checkIndex(index, files.size()));
    }

    /** How many unreadable files {@link Builder#skipUnreadable} left out. */
    public int skippedFiles() {
        return skipped;
    }

    /** The shape {@code {C, H, W}} of the decoded (and resized) images, before the transform. */
    public long[] imageShape() {
        return new long[] {channels, height, width};
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public boolean decodesSamples() {
        return true;
    }

    @Override
    public int label(int index) {
        return labels[Objects.checkIndex(index, labels.length)];
    }

    /** Sample {@code index} as an image: decoded, resized, transformed. */
    public Image image(int index) {
        int k = reads.getAndIncrement(Objects.checkIndex(index, files.size()));
        Image im = decoded(index);
        Image out = transform.apply(im, new SplittableRandom(mix(mix(seed, index), k)));
        if (out.channels() != sampleShape[0] || out.height() != sampleShape[1] || out.width() != sampleShape[2]) {
            throw new IllegalStateException("transform " + transform + " made a " + Arrays.toString(out.shape())
                    + " image but declared " + Arrays.toString(sampleShape));
        }
        return out;
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        dst.put(image(index).data());
    }

    /** The decoded and resized image of sample {@code index}, without the transform. */
    private Image decoded(int index) {
        Path f = files.get(index);
        Image im;
        try {
            im = Images.read(f, channels);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (resized) {
            if (im.height() != height || im.width() != width) im = Transforms.resample(im, 0, 0, im.height(), im.width(), height, width);
        } else if (im.height() != height || im.width() != width) {
            throw new UncheckedIOException(new IOException(f + ": the image is now " + im.height() + "x" + im.width() + ", was "
                    + height + "x" + width + " when the data set was built"));
        }
        return im;
    }

    /**
     * The per-channel mean and (population) standard deviation of the decoded, resized images,
     * before the transform: {@code {mean, std}}, for {@link Transforms#normalize}. Decodes every
     * image once.
     */
    public float[][] meanStd() {
        double[] sum = new double[channels], sq = new double[channels];
        int plane = height * width;
        for (int i = 0; i < files.size(); i++) {
            float[] d = decoded(i).data();
            for (int c = 0; c < channels; c++) {
                for (int j = c * plane; j < (c + 1) * plane; j++) {
                    sum[c] += d[j];
                    sq[c] += (double) d[j] * d[j];
                }
            }
        }
        float[] mean = new float[channels], std = new float[channels];
        double n = (double) plane * files.size();
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / n;
            mean[c] = (float) m;
            std[c] = (float) Math.sqrt(Math.max(0, sq[c] / n - m * m));
        }
        return new float[][] {mean, std};
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "ImageFolder(" + root + ": " + files.size() + " images of " + channels + "x" + height + "x" + width + ", "
                + classes.size() + " classes)";
    }

    /** Options of an {@link ImageFolder}. */
    public static final class Builder {
        private final Path root;
        private final Path list;
        private Boolean header;
        private int channels = 3;
        private int resizeHeight;
        private int resizeWidth;
        private Transform transform = Transforms.identity();
        private long seed;
        private boolean skipUnreadable;

        private Builder(Path root, Path list) {
            this.root = list != null ? list : Objects.requireNonNull(root, "root");
            this.list = list;
        }

        /** Whether the list's first row is a header (default: when its label field reads "label"); lists only. */
        public Builder header(boolean header) {
            if (list == null) throw new IllegalStateException("header(...) applies to image lists (fromList), not folders");
            this.header = header;
            return this;
        }

        /** 1 for grey, 3 for RGB (the default); images are converted as they are decoded. */
        public Builder channels(int channels) {
            Images.checkChannels(channels);
            this.channels = channels;
            return this;
        }

        /** Resize every image to {@code height x width} (bilinear) as it is decoded; needed when the sizes differ. */
        public Builder resize(int height, int width) {
            if (height <= 0 || width <= 0) throw new IllegalArgumentException("resize needs a positive size, got " + height + "x" + width);
            this.resizeHeight = height;
            this.resizeWidth = width;
            return this;
        }

        /** Applied to every decoded image (default: none). */
        public Builder transform(Transform transform) {
            this.transform = Objects.requireNonNull(transform, "transform");
            return this;
        }

        /** Seed of the random transforms (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Skip (log and count) files that cannot be read instead of failing (default: fail). */
        public Builder skipUnreadable(boolean skip) {
            this.skipUnreadable = skip;
            return this;
        }

        /**
         * Scans the folder and reads each image's header.
         *
         * @throws IOException naming the folder or file at fault (see the class comment)
         */
        public ImageFolder build() throws IOException {
            if (list != null) return buildFromList();
            if (!Files.isDirectory(root)) throw new IOException(root + ": no such folder (expected one subfolder per class)");
            List<Path> classDirs;
            try (Stream<Path> s = Files.list(root)) {
                classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            if (classDirs.isEmpty()) throw new IOException(root + " has no class folders (expected one subfolder per class, holding its images)");
            List<String> classes = new ArrayList<>();
            List<Path> candidates = new ArrayList<>();
            List<Integer> candidateLabels = new ArrayList<>();
            for (Path dir : classDirs) {
                List<Path> images;
                try (Stream<Path> s = Files.list(dir)) {
                    images = s.filter(Files::isRegularFile).filter(Builder::isImage).sorted().toList();
                }
                if (images.isEmpty()) {
                    throw new IOException("class folder " + dir + " holds no images (" + EXTENSIONS.stream().sorted().toList()
                            + "); remove it or add its images");
                }
                for (Path f : images) {
                    candidates.add(f);
                    candidateLabels.add(classes.size());
                }
                classes.add(dir.getFileName().toString());
            }
            return checked(classes, candidates, candidateLabels, "class folder " + root + "/");
        }

        /** Reads each file's header; the same checks for folders and lists. */
        private ImageFolder checked(List<String> classes, List<Path> candidates, List<Integer> candidateLabels, String where)
                throws IOException {
            List<Path> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            int[] kept = new int[classes.size()];
            int h = resizeHeight, w = resizeWidth, skipped = 0;
            Path first = null;
            for (int i = 0; i < candidates.size(); i++) {
                Path f = candidates.get(i);
                int label = candidateLabels.get(i);
                int[] size;
                try {
                    size = Images.size(f);
                } catch (IOException e) {
                    if (!skipUnreadable) throw new IOException(e.getMessage() + " (skipUnreadable(true) skips such files)", e);
                    LOG.warn("skipping unreadable image {}", e.getMessage());
                    skipped++;
                    continue;
                }
                if (resizeHeight == 0) {
                    if (first == null) {
                        first = f;
                        h = size[0];
                        w = size[1];
                    } else if (size[0] != h || size[1] != w) {
                        throw new IOException("images of different sizes: " + first + " is " + h + "x" + w + " but " + f + " is "
                                + size[0] + "x" + size[1] + "; set resize(height, width)");
                    }
                }
                files.add(f);
                labels.add(label);
                kept[label]++;
            }
            for (int c = 0; c < classes.size(); c++) {
                if (kept[c] == 0) throw new IOException(where + classes.get(c) + ": all its images are unreadable (skipped)");
            }
            if (skipped > 0) LOG.warn("{}: skipped {} unreadable image files", root, skipped);
            int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
            return new ImageFolder(this, classes, files, l, h, w, skipped);
        }

        private ImageFolder buildFromList() throws IOException {
            if (!Files.isRegularFile(list)) throw new IOException(list + ": no such image list (CSV or TSV of path,label rows)");
            boolean tsv = list.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsv");
            List<String> lines = Files.readAllLines(list);
            Path base = list.toAbsolutePath().getParent();
            List<Path> paths = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                if (line.isBlank()) continue;
                String[] f = fields(line, tsv ? '\t' : ',');
                if (f.length != 2 || f[0].isEmpty() || f[1].isEmpty()) {
                    throw new IOException(list + ", line " + (n + 1) + ": expected two fields, path" + (tsv ? "<tab>" : ",") + "label; got '"
                            + line + "'");
                }
                boolean isHeader = paths.isEmpty() && names.isEmpty() && (header != null ? header : f[1].equalsIgnoreCase("label"));
                if (isHeader && n == firstNonBlank(lines)) continue;
                Path p = base.resolve(f[0]);
                if (!Files.isRegularFile(p)) throw new IOException(list + ", line " + (n + 1) + ": no such image file " + p);
                paths.add(p);
                names.add(f[1]);
            }
            if (paths.isEmpty()) throw new IOException(list + " lists no images");
            boolean numeric = names.stream().allMatch(x -> x.matches("\\d{1,9}"));
            List<String> classes;
            if (numeric) {
                int max = names.stream().mapToInt(Integer::parseInt).max().orElse(0);
                classes = new ArrayList<>();
                for (int c = 0; c <= max; c++) classes.add(Integer.toString(c));
            } else {
                classes = names.stream().distinct().sorted().toList();
            }
            List<Integer> labels = new ArrayList<>();
            for (String x : names) labels.add(numeric ? Integer.parseInt(x) : classes.indexOf(x));
            if (numeric) {
                boolean[] used = new boolean[classes.size()];
                for (int l : labels) used[l] = true;
                for (int c = 0; c < used.length; c++) {
                    if (!used[c]) throw new IOException(list + ": label " + c + " has no images (labels run from 0 to " + (used.length - 1) + ")");
                }
            }
            return checked(new ArrayList<>(classes), paths, labels, list + ": class ");
        }

        private static int firstNonBlank(List<String> lines) {
            for (int i = 0; i < lines.size(); i++) if (!lines.get(i).isBlank()) return i;
            return -1;
        }

        /** The fields of one line, split at {@code sep} outside double quotes ("" inside quotes is a quote), trimmed. */
        static String[] fields(String line, char sep) {
            List<String> out = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (ch == '"') {
                    if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = !quoted;
                    }
                } else if (ch == sep && !quoted) {
                    out.add(cur.toString().strip());
                    cur.setLength(0);
                } else {
                    cur.append(ch);
                }
            }
            out.add(cur.toString().strip());
            return out.toArray(String[]::new);
        }

        private static boolean isImage(Path p) {
            String name = p.getFileName().toString();
            int dot = name.lastIndexOf('.');
            return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        }
    }
}
