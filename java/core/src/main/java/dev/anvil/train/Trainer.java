package dev.anvil.train;

import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Layer;
import dev.anvil.optim.GradientClipping;
import dev.anvil.optim.LrSchedule;
import dev.anvil.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classification training loop: forward, cross-entropy loss, backward, the hooks and gradient
 * clipping, optimizer step; evaluation after each epoch, progress reported to
 * {@link TrainingListener}s, which may stop training early.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model, optimizer)
 *         .loss(CrossEntropyLoss.builder().labelSmoothing(0.1).build())
 *         .clipGradNorm(1.0)
 *         .listener(EarlyStopping.onTestAccuracy(3, 0.001))
 *         .build();
 * List<EpochResult> history = trainer.fit(trainLoader, testLoader, 20);
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private final Layer model;
    private final Optimizer optimizer;
    private final CrossEntropyLoss loss;
    private final boolean ownsLoss;
    private final List<TrainingListener> listeners;
    private final List<StepHook> beforeStep;
    private final LrSchedule schedule;
    private final double baseLr, clipNorm, clipValue;
    private final Evaluator evaluator;
    private volatile boolean stopRequested;
    private long lastCorrect;

    /** Runs between the backward pass and the optimizer step, with the gradients in place. */
    @FunctionalInterface
    public interface StepHook {
        /** @param step the optimizer step about to be taken, from 1 */
        void beforeStep(Optimizer optimizer, long step);
    }

    private Trainer(Builder b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.loss = b.loss == null ? new CrossEntropyLoss() : b.loss;
        this.ownsLoss = b.loss == null;
        this.listeners = List.copyOf(b.listeners);
        this.beforeStep = List.copyOf(b.beforeStep);
        this.schedule = b.schedule;
        this.clipNorm = b.clipNorm;
        this.clipValue = b.clipValue;
        this.baseLr = b.optimizer.learningRate();
        this.evaluator = new Evaluator(b.model);
    }

    public static Builder builder(Layer model, Optimizer optimizer) {
        return new Builder(model, optimizer);
    }

    /** One training step on a batch; returns the batch's mean loss. */
    public float step(Tensor images, Tensor labels) {
        model.train(true);
        optimizer.zeroGrad();
        Tensor logits = model.forward(images);
        float value = loss.forward(logits, labels);
        lastCorrect = evaluator.countCorrect(logits, labels);
        model.backward(loss.backward(), false);
        for (int i = 0; i < beforeStep.size(); i++) beforeStep.get(i).beforeStep(optimizer, optimizer.steps() + 1); // no iterator per step
        if (clipNorm > 0) GradientClipping.clipGradNorm(optimizer.parameters(), clipNorm);
        if (clipValue > 0) GradientClipping.clipGradValue(optimizer.parameters(), clipValue);
        if (schedule != null) optimizer.setLearningRate(schedule.lr(baseLr, optimizer.steps()));
        optimizer.step();
        return value;
    }

    /** Trains for {@code epochs} epochs, evaluating on {@code test} (may be null) after each. */
    public List<EpochResult> fit(DataLoader train, DataLoader test, int epochs) {
        return fit(train, test, 1, epochs);
    }

    /**
     * Runs epochs {@code first..last} (numbered from 1) of a run of {@code last} epochs, for
     * example to resume after a checkpoint; the loader's shuffle order follows the epoch number.
     * Ends early when a listener's {@link TrainingListener#shouldStop} says so after an epoch, or
     * after the current step once {@link #stop()} was called (the partial epoch is then reported).
     */
    public List<EpochResult> fit(DataLoader train, DataLoader test, int first, int last) {
        Objects.requireNonNull(train, "train");
        if (first < 1 || last < first) {
            throw new IllegalArgumentException("epochs must satisfy 1 <= first <= last, got " + first + ".." + last);
        }
        stopRequested = false;
        List<EpochResult> history = new ArrayList<>();
        long stepsPerEpoch = train.numBatches();
        long totalSteps = stepsPerEpoch * (last - first + 1);
        long done = 0;
        long runStart = System.nanoTime();
        for (int epoch = first; epoch <= last && !stopRequested; epoch++) {
            train.setEpoch(epoch - 1);
            long start = System.nanoTime();
            double lossSum = 0;
            long samples = 0, correct = 0;
            long step = 0;
            for (Batch batch : train) {
                float l = step(batch.images(), batch.labels());
                lossSum += (double) l * batch.size();
                samples += batch.size();
                correct += lastCorrect;
                step++;
                done++;
                long now = System.nanoTime();
                double perStep = (now - runStart) / 1e9 / done;
                StepProgress progress = new StepProgress(epoch, last, step, stepsPerEpoch, l, lossSum / samples,
                        samples / Math.max((now - start) / 1e9, 1e-9), perStep * (totalSteps - done));
                for (TrainingListener listener : listeners) listener.onStep(progress);
                if (stopRequested) break;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation eval = test == null ? null : evaluate(test);
            EpochResult result = new EpochResult(epoch, lossSum / Math.max(1, samples), samples == 0 ? Double.NaN : (double) correct / samples,
                    samples / seconds, seconds, eval);
            history.add(result);
            if (LOG.isInfoEnabled()) LOG.info(summary(result, last));
            for (TrainingListener listener : listeners) listener.onEpochEnd(result);
            for (TrainingListener listener : listeners) {
                if (listener.shouldStop(result)) stopRequested = true;
            }
        }
        return history;
    }

    /** The INFO line logged after each epoch. */
    static String summary(EpochResult r, int epochs) {
        String test = r.test() == null ? "" : String.format(Locale.ROOT, "; test accuracy %.4f, test loss %.4f", r.test().accuracy(), r.test().loss());
        String train = Double.isNaN(r.trainAccuracy()) ? "" : String.format(Locale.ROOT, ", train accuracy %.4f", r.trainAccuracy());
        return String.format(Locale.ROOT, "epoch %d/%d: train loss %.4f%s, %.0f images/s, %.1f s%s", r.epoch(), epochs, r.trainLoss(), train,
                r.imagesPerSecond(), r.trainSeconds(), test);
    }

    /**
     * Ends {@link #fit} after the step in progress (any thread may call it, for example a listener
     * or a signal handler).
     */
    public void stop() {
        stopRequested = true;
    }

    /** Accuracy and mean loss of the model (in evaluation mode) over a data set; see {@link Evaluator}. */
    public Evaluation evaluate(DataLoader data) {
        return evaluator.evaluate(data);
    }

    @Override
    public void close() {
        if (ownsLoss) loss.close();
        evaluator.close();
    }

    /** Options of a {@link Trainer}. */
    public static final class Builder {
        private final Layer model;
        private final Optimizer optimizer;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private final List<StepHook> beforeStep = new ArrayList<>();
        private CrossEntropyLoss loss;
        private LrSchedule schedule;
        private double clipNorm, clipValue;

        private Builder(Layer model, Optimizer optimizer) {
            this.model = Objects.requireNonNull(model, "model");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        }

        /** Adds a listener; listeners are called in the order added. */
        public Builder listener(TrainingListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        /** The loss (default: plain cross-entropy); the caller keeps it and closes it. */
        public Builder loss(CrossEntropyLoss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /** Adds a hook called after every backward pass, before clipping and the optimizer step. */
        public Builder beforeStep(StepHook hook) {
            beforeStep.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /** Clips the gradients' global L2 norm to {@code maxNorm} before each step ({@link GradientClipping#clipGradNorm}). */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm > 0 && Double.isFinite(maxNorm))) {
                throw new IllegalArgumentException("Trainer: clipGradNorm must be finite and > 0, got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** Clamps every gradient element to [-value, value] before each step ({@link GradientClipping#clipGradValue}). */
        public Builder clipGradValue(double value) {
            if (!(value > 0 && Double.isFinite(value))) {
                throw new IllegalArgumentException("Trainer: clipGradValue must be finite and > 0, got " + value);
            }
            this.clipValue = value;
            return this;
        }

        /** Sets the learning rate before every step from the optimizer's initial rate and step count. */
        public Builder schedule(LrSchedule s) {
            this.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
