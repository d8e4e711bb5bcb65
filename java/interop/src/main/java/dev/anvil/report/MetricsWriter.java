package dev.anvil.report;

import dev.anvil.train.EpochResult;
import dev.anvil.train.TrainingListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@code Trainer} listener that appends one record per epoch to a file, flushed as each epoch
 * ends: a JSON object per line (JSON Lines), or, for a file whose name ends in {@code .csv}, a CSV
 * row (with a header row when the file is new or empty). Fields: epoch, train_loss, images_per_s,
 * test_accuracy, test_loss (empty in CSV, NaN in JSON without a test set) and seconds.
 */
public final class MetricsWriter implements TrainingListener, AutoCloseable {
    static final String CSV_HEADER = "epoch,train_loss,images_per_s,test_accuracy,test_loss,seconds";

    private final BufferedWriter writer;
    private final boolean csv;

    /** Appends to {@code path} (created with its folders if needed); CSV for a {@code .csv} name, else JSON Lines. */
    public MetricsWriter(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        csv = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        boolean fresh = !Files.exists(path) || Files.size(path) == 0;
        writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (csv && fresh) {
            writer.write(CSV_HEADER);
            writer.newLine();
            writer.flush();
        }
    }

    /** Appends the record of one epoch. */
    public void write(EpochResult r) throws IOException {
        writer.write(csv ? csv(r) : json(r));
        writer.newLine();
        writer.flush();
    }

    @Override
    public void onEpochEnd(EpochResult result) {
        try {
            write(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON object of one epoch. */
    public static String json(EpochResult r) {
        return String.format(Locale.ROOT,
                "{\"epoch\":%d,\"train_loss\":%.6f,\"images_per_s\":%.1f,\"test_accuracy\":%.6f,\"test_loss\":%.6f,\"seconds\":%.3f}",
                r.epoch(), r.trainLoss(), r.imagesPerSecond(), r.test() == null ? Double.NaN : r.test().accuracy(),
                r.test() == null ? Double.NaN : r.test().loss(), r.trainSeconds());
    }

    /** The CSV row of one epoch (fields as {@link #CSV_HEADER}). */
    public static String csv(EpochResult r) {
        String test = r.test() == null ? "," : String.format(Locale.ROOT, "%.6f,%.6f", r.test().accuracy(), r.test().loss());
        return String.format(Locale.ROOT, "%d,%.6f,%.1f,%s,%.3f", r.epoch(), r.trainLoss(), r.imagesPerSecond(), test, r.trainSeconds());
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
