package dev.anvil.report;

import dev.anvil.train.EpochResult;
import dev.anvil.train.StepProgress;
import dev.anvil.train.TrainingListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training report: attached to a {@code Trainer} as a listener, it records every step (loss,
 * images/s, learning rate) and every epoch (train loss and accuracy, test accuracy and loss,
 * images/s, learning rate, seconds), and {@link #write} puts into a folder
 *
 * <ul>
 *   <li>{@code report.html}: one self-contained page (no scripts, no external files) with line
 *       plots in inline SVG, per epoch and per step; it is well-formed XML as well as HTML, so
 *       that tools can check it;
 *   <li>{@code epochs.csv} and {@code steps.csv}: the numbers, with a header row.
 * </ul>
 *
 * <pre>{@code
 * TrainingReport report = new TrainingReport("fmnist-cnn", optimizer::learningRate);
 * try (Trainer t = Trainer.builder(model, optimizer).listener(report).build()) {
 *     t.fit(train, test, 10);
 * }
 * report.write(Path.of("report"));
 * }</pre>
 */
public final class TrainingReport implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingReport.class);

    /** At most this many points per step plot (long runs are thinned evenly; the CSV keeps every step). */
    static final int MAX_PLOT_POINTS = 2000;

    private final String title;
    private final DoubleSupplier learningRate;
    private final List<double[]> steps = new ArrayList<>(); // global step, loss, images/s, lr
    private final List<double[]> epochs = new ArrayList<>(); // epoch, train loss, train accuracy, test accuracy, test loss, images/s, lr, seconds
    private long stepsBefore; // steps of the epochs already finished
    private long lastStep;

    /**
     * @param title        shown at the top of the page
     * @param learningRate read at each step and epoch end (for example {@code optimizer::learningRate}); null: not recorded
     */
    public TrainingReport(String title, DoubleSupplier learningRate) {
        this.title = Objects.requireNonNull(title, "title");
        this.learningRate = learningRate;
    }

    @Override
    public synchronized void onStep(StepProgress p) {
        lastStep = p.step();
        steps.add(new double[] {stepsBefore + p.step(), p.loss(), p.imagesPerSecond(), lr()});
    }

    @Override
    public synchronized void onEpochEnd(EpochResult r) {
        stepsBefore += lastStep;
        lastStep = 0;
        epochs.add(new double[] {r.epoch(), r.trainLoss(), r.trainAccuracy(), r.test() == null ? Double.NaN : r.test().accuracy(),
                r.test() == null ? Double.NaN : r.test().loss(), r.imagesPerSecond(), lr(), r.trainSeconds()});
    }

    private double lr() {
        return learningRate == null ? Double.NaN : learningRate.getAsDouble();
    }

    /** Writes report.html, epochs.csv and steps.csv into {@code dir} (created if needed) and returns the page's path. */
    public synchronized Path write(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("epochs.csv"), csv("epoch,train_loss,train_accuracy,test_accuracy,test_loss,images_per_s,lr,seconds", epochs),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("steps.csv"), csv("step,loss,images_per_s,lr", steps), StandardCharsets.UTF_8);
        Path page = dir.resolve("report.html");
        Files.writeString(page, html(), StandardCharsets.UTF_8);
        LOG.info("training report written to {}", page);
        return page;
    }

    private static String csv(String header, List<double[]> rows) {
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (double[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                if (i > 0) sb.append(',');
                if (!Double.isNaN(r[i])) sb.append(r[i] == Math.rint(r[i]) && Math.abs(r[i]) < 1e15 ? Long.toString((long) r[i]) : Double.toString(r[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The page (see the class comment). */
    public synchronized String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>")
                .append(escape(title)).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}")
                .append(".plots{display:flex;flex-wrap:wrap;gap:1em}svg{background:#fafafa;border:1px solid #ddd}")
                .append("table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}")
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n<p>")
                .append(epochs.size()).append(" epochs, ").append(steps.size()).append(" steps; written ").append(Instant.now())
                .append("</p>\n<h2>Per epoch</h2>\n<div class=\"plots\">\n");
        sb.append(plot("epoch-train-loss", "train loss", epochs, 0, 1));
        sb.append(plot("epoch-test-loss", "test loss", epochs, 0, 4));
        sb.append(plot("epoch-train-accuracy", "train accuracy", epochs, 0, 2));
        sb.append(plot("epoch-test-accuracy", "test accuracy", epochs, 0, 3));
        sb.append(plot("epoch-lr", "learning rate", epochs, 0, 6));
        sb.append(plot("epoch-images-per-s", "images/s", epochs, 0, 5));
        sb.append("</div>\n<h2>Per step</h2>\n<div class=\"plots\">\n");
        List<double[]> thin = thinned(steps);
        sb.append(plot("step-loss", "loss", thin, 0, 1));
        sb.append(plot("step-lr", "learning rate", thin, 0, 3));
        sb.append(plot("step-images-per-s", "images/s", thin, 0, 2));
        sb.append("</div>\n<h2>Epochs</h2>\n<table>\n<tr><th>epoch</th><th>train loss</th><th>train accuracy</th><th>test accuracy</th><th>test loss</th>"
                + "<th>images/s</th><th>learning rate</th><th>seconds</th></tr>\n");
        for (double[] e : epochs) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.0f</td><td>%.3g</td><td>%.1f</td></tr>%n",
                    (long) e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]));
        }
        return sb.append("</table>\n</body>\n</html>\n").toString();
    }

    static List<double[]> thinned(List<double[]> rows) {
        if (rows.size() <= MAX_PLOT_POINTS) return rows;
        List<double[]> out = new ArrayList<>();
        double stride = (double) (rows.size() - 1) / (MAX_PLOT_POINTS - 1);
        for (int i = 0; i < MAX_PLOT_POINTS; i++) out.add(rows.get((int) Math.round(i * stride)));
        return out;
    }

    // Plot geometry, in SVG user units.
    static final int WIDTH = 420, HEIGHT = 240, LEFT = 60, RIGHT = 15, TOP = 25, BOTTOM = 35;

    /**
     * A line plot of column {@code y} against column {@code x}, rows with a NaN left out, as an
     * SVG element with {@code id}; its polyline's points map x linearly from [min, max] to
     * [LEFT, WIDTH - RIGHT] and y from [min, max] to [HEIGHT - BOTTOM, TOP] (a flat series sits in the middle).
     */
    static String plot(String id, String label, List<double[]> rows, int x, int y) {
        List<double[]> pts = new ArrayList<>();
        for (double[] r : rows) if (Double.isFinite(r[x]) && Double.isFinite(r[y])) pts.add(new double[] {r[x], r[y]});
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                id, WIDTH, HEIGHT, WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\">%s</text>", LEFT, escape(label)));
        int x0 = LEFT, x1 = WIDTH - RIGHT, y0 = HEIGHT - BOTTOM, y1 = TOP;
        sb.append(String.format(Locale.ROOT, "<path d=\"M%d %d V%d H%d\" stroke=\"#888\" fill=\"none\"/>", x0, y1, y0, x1));
        if (pts.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#888\">no data</text>", x0 + 10, (y0 + y1) / 2));
            return sb.append("</svg>\n").toString();
        }
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY, minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (double[] p : pts) {
            minX = Math.min(minX, p[0]);
            maxX = Math.max(maxX, p[0]);
            minY = Math.min(minY, p[1]);
            maxY = Math.max(maxY, p[1]);
        }
        sb.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
        for (int i = 0; i < pts.size(); i++) {
            double px = maxX == minX ? (x0 + x1) / 2.0 : x0 + (pts.get(i)[0] - minX) / (maxX - minX) * (x1 - x0);
            double py = maxY == minY ? (y0 + y1) / 2.0 : y0 - (pts.get(i)[1] - minY) / (maxY - minY) * (y0 - y1);
            if (i > 0) sb.append(' ');
            sb.append(String.format(Locale.ROOT, "%.2f,%.2f", px, py));
        }
        sb.append("\"/>");
        if (pts.size() == 1) {
            // A single point (one epoch): a dot in the middle, since a polyline of one point draws nothing.
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#1f77b4\"/>", (x0 + x1) / 2.0, (y0 + y1) / 2.0));
        }
        // Axis labels: the ranges.
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>", x0 - 4, y1 + 4, number(maxY)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>", x0 - 4, y0, number(minY)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", x0, y0 + 16, number(minX)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>", x1, y0 + 16, number(maxX)));
        return sb.append("</svg>\n").toString();
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 || v == Math.rint(v) ? "%.0f" : "%.4g", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
