package dev.anvil.report;

import dev.anvil.train.EpochResult;
import dev.anvil.train.StepProgress;
import dev.anvil.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A {@code Trainer} listener that shows the live progress line: step, loss, images/s and ETA,
 * redrawn in place at most a few times a second on a terminal; on a pipe or log file, one line
 * every tenth of an epoch instead.
 */
public final class ProgressLine implements TrainingListener {
    private static final long REDRAW_NANOS = 250_000_000L;
    private final PrintStream out;
    private final boolean terminal;
    private long lastDraw;
    private int width;

    /** Writes to {@code out} (usually {@code System.err}); redraws in place when the JVM has a console. */
    public ProgressLine(PrintStream out) {
        this(out, System.console() != null);
    }

    /** As {@link #ProgressLine(PrintStream)}, redrawing in place if {@code terminal}, else one line per tenth of an epoch. */
    public ProgressLine(PrintStream out, boolean terminal) {
        this.out = java.util.Objects.requireNonNull(out, "out");
        this.terminal = terminal;
    }

    @Override
    public void onStep(StepProgress p) {
        boolean last = p.step() == p.stepsPerEpoch();
        if (terminal) {
            long now = System.nanoTime();
            if (!last && now - lastDraw < REDRAW_NANOS) return;
            lastDraw = now;
            String line = format(p);
            out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
        } else if (p.step() % Math.max(1, p.stepsPerEpoch() / 10) == 0 || last) {
            out.println(format(p));
        }
        out.flush();
    }

    @Override
    public void onEpochEnd(EpochResult result) {
        if (terminal && width > 0) out.print("\r" + " ".repeat(width) + "\r");
        width = 0;
        out.flush();
    }

    /** The line for one step: "epoch 1/2  step 10/938  loss 0.5123 (mean 0.6012)  812 images/s  ETA 2m05s". */
    public static String format(StepProgress p) {
        return String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.4f (mean %.4f)  %.0f images/s  ETA %s",
                p.epoch(), p.epochs(), p.step(), p.stepsPerEpoch(), p.loss(), p.meanLoss(), p.imagesPerSecond(),
                duration(p.etaSeconds()));
    }

    /** "2m05s", or "1h02m05s" from an hour. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
