package dev.anvil.cli;

import dev.anvil.train.EpochResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Appends one JSON object per epoch to a file (JSON Lines), flushed as each epoch ends. */
final class MetricsWriter implements AutoCloseable {
    private final BufferedWriter writer;

    MetricsWriter(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void write(EpochResult r) throws IOException {
        writer.write(json(r));
        writer.newLine();
        writer.flush();
    }

    static String json(EpochResult r) {
        return String.format(Locale.ROOT, "{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"images_per_s\":%.1f,"
                + "\"test_accuracy\":%s,\"test_loss\":%s,\"seconds\":%.3f}", r.epoch(), number(r.trainLoss()), number(r.trainAccuracy()),
                r.imagesPerSecond(), r.test() == null ? "null" : number(r.test().accuracy()), r.test() == null ? "null" : number(r.test().loss()),
                r.trainSeconds());
    }

    /** A JSON number with 6 decimals, or null for NaN and infinities (which JSON cannot hold). */
    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6f", v) : "null";
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
