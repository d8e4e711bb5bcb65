package dev.anvil.train;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Stops training when a monitored quantity has not improved by more than {@code minDelta} for
 * {@code patience} epochs, as Keras's and PyTorch Lightning's {@code EarlyStopping} callbacks do:
 * {@code Trainer.builder(model, opt).listener(EarlyStopping.onTestAccuracy(3, 0.001))}.
 */
public final class EarlyStopping implements TrainingListener {
    private final String monitor;
    private final ToDoubleFunction<EpochResult> metric;
    private final boolean maximize;
    private final int patience;
    private final double minDelta;
    private double best;
    private int bestEpoch;
    private int epochsWithoutImprovement;

    /**
     * @param monitor  the quantity's name, for messages
     * @param metric   reads it from an epoch's result
     * @param maximize whether larger is better (accuracy) or smaller (loss)
     * @param patience stop after this many epochs in a row without improvement (Keras and Lightning count the same way)
     * @param minDelta the smallest change that counts as an improvement (>= 0)
     */
    public EarlyStopping(String monitor, ToDoubleFunction<EpochResult> metric, boolean maximize, int patience, double minDelta) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        this.metric = Objects.requireNonNull(metric, "metric");
        if (patience < 0) throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
        if (!(minDelta >= 0 && Double.isFinite(minDelta))) {
            throw new IllegalArgumentException("EarlyStopping: min delta must be finite and >= 0, got " + minDelta);
        }
        this.maximize = maximize;
        this.patience = patience;
        this.minDelta = minDelta;
        this.best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** Monitors the test accuracy after each epoch (needs a test loader). */
    public static EarlyStopping onTestAccuracy(int patience, double minDelta) {
        return new EarlyStopping("test accuracy", r -> requireTest(r).accuracy(), true, patience, minDelta);
    }

    /** Monitors the test loss after each epoch (needs a test loader). */
    public static EarlyStopping onTestLoss(int patience, double minDelta) {
        return new EarlyStopping("test loss", r -> requireTest(r).loss(), false, patience, minDelta);
    }

    private static Evaluation requireTest(EpochResult r) {
        if (r.test() == null) throw new IllegalStateException("EarlyStopping monitors a test metric but fit() was given no test loader");
        return r.test();
    }

    @Override
    public boolean shouldStop(EpochResult result) {
        double value = metric.applyAsDouble(result);
        boolean improved = maximize ? value > best + minDelta : value < best - minDelta;
        if (improved) {
            best = value;
            bestEpoch = result.epoch();
            epochsWithoutImprovement = 0;
            return false;
        }
        return ++epochsWithoutImprovement >= patience;
    }

    /** The best value seen so far (-/+ infinity before the first epoch). */
    public double best() {
        return best;
    }

    /** The epoch of the best value, 0 before the first epoch. */
    public int bestEpoch() {
        return bestEpoch;
    }

    @Override
    public String toString() {
        return "EarlyStopping(" + monitor + ", patience=" + patience + ", minDelta=" + minDelta + ")";
    }
}
