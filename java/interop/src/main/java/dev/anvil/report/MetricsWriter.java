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
 * row (with a header row when the file is new or empty). Fields: epoch, train_loss, train_accuracy,
 * images_per_s, test_accuracy, test_loss and seconds; a value that is not a number (no test set)
 * is null in JSON and empty in CSV.
 */
public final class MetricsWriter implements TrainingListener, AutoCloseable {
    static final String CSV_HEADER = "epoch,train_loss,train_accuracy,images_per_s,test_accuracy,test_loss,seconds";

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
        return String.format(Locale.ROOT, "{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"images_per_s\":%.1f,"
                + "\"test_accuracy\":%s,\"test_loss\":%s,\"seconds\":%.3f}", r.epoch(), number(r.trainLoss(), "null"),
                number(r.trainAccuracy(), "null"), r.imagesPerSecond(), r.test() == null ? "null" : number(r.test().accuracy(), "null"),
                r.test() == null ? "null" : number(r.test().loss(), "null"), r.trainSeconds());
    }

    /** The CSV row of one epoch (fields as the header). */
    public static String csv(EpochResult r) {
        return String.format(Locale.ROOT, "%d,%s,%s,%.1f,%s,%s,%.3f", r.epoch(), number(r.trainLoss(), ""), number(r.trainAccuracy(), ""),
                r.imagesPerSecond(), r.test() == null ? "" : number(r.test().accuracy(), ""), r.test() == null ? "" : number(r.test().loss(), ""),
                r.trainSeconds());
    }

    /** A number with 6 decimals, or {@code none} for NaN and infinities (which JSON cannot hold). */
    private static String number(double v, String none) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6f", v) : none;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
