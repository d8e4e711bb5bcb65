package dev.anvil.train;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.internal.Native;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Layer;
import dev.anvil.optim.LrSchedule;
import dev.anvil.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classification training loop: forward, cross-entropy loss, backward, optimizer step,
 * with evaluation after each epoch and progress reported to a {@link TrainingListener}.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model, optimizer).listener(myListener).build();
 * List<EpochResult> history = trainer.fit(trainLoader, testLoader, 2);
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private final Layer model;
    private final Optimizer optimizer;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private final TrainingListener listener;
    private final LrSchedule schedule;
    private final double baseLr;
    private Tensor predictions;

    private Trainer(Builder b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.listener = b.listener;
        this.schedule = b.schedule;
        this.baseLr = b.optimizer.learningRate();
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
        model.backward(loss.backward(), false);
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
     */
    public List<EpochResult> fit(DataLoader train, DataLoader test, int first, int last) {
        Objects.requireNonNull(train, "train");
        if (first < 1 || last < first) {
            throw new IllegalArgumentException("epochs must satisfy 1 <= first <= last, got " + first + ".." + last);
        }
        List<EpochResult> history = new ArrayList<>();
        long stepsPerEpoch = train.numBatches();
        long totalSteps = stepsPerEpoch * (last - first + 1);
        long done = 0;
        long runStart = System.nanoTime();
        for (int epoch = first; epoch <= last; epoch++) {
            train.setEpoch(epoch - 1);
            long start = System.nanoTime();
            double lossSum = 0;
            long samples = 0;
            long step = 0;
            for (Batch batch : train) {
                float l = step(batch.images(), batch.labels());
                lossSum += (double) l * batch.size();
                samples += batch.size();
                step++;
                done++;
                long now = System.nanoTime();
                double perStep = (now - runStart) / 1e9 / done;
                listener.onStep(new StepProgress(epoch, last, step, stepsPerEpoch, l, lossSum / samples,
                        samples / Math.max((now - start) / 1e9, 1e-9), perStep * (totalSteps - done)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation eval = test == null ? null : evaluate(test);
            EpochResult result = new EpochResult(epoch, lossSum / Math.max(1, samples), samples / seconds, seconds, eval);
            history.add(result);
            if (LOG.isInfoEnabled()) LOG.info(summary(result, last));
            listener.onEpochEnd(result);
        }
        return history;
    }

    /** The INFO line logged after each epoch. */
    static String summary(EpochResult r, int epochs) {
        String test = r.test() == null ? "" : String.format(Locale.ROOT, "; test accuracy %.4f, test loss %.4f", r.test().accuracy(), r.test().loss());
        return String.format(Locale.ROOT, "epoch %d/%d: train loss %.4f, %.0f images/s, %.1f s%s", r.epoch(), epochs, r.trainLoss(),
                r.imagesPerSecond(), r.trainSeconds(), test);
    }

    /** Accuracy and mean loss of the model (in evaluation mode) over a data set. */
    public Evaluation evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long start = System.nanoTime();
        long correct = 0, samples = 0;
        double lossSum = 0;
        try {
            for (Batch batch : data) {
                Tensor logits = model.forward(batch.images());
                lossSum += (double) loss.forward(logits, batch.labels()) * batch.size();
                correct += countCorrect(logits, batch.labels());
                samples += batch.size();
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(samples == 0 ? 0 : (double) correct / samples, samples == 0 ? 0 : lossSum / samples, samples,
                (System.nanoTime() - start) / 1e9);
    }

    private long countCorrect(Tensor logits, Tensor labels) {
        long batch = logits.size(0);
        if (predictions == null || predictions.size(0) != batch || !predictions.device().equals(logits.device())) {
            if (predictions != null) predictions.close();
            predictions = Tensor.emptyUnscoped(logits.device(), DType.INT32, batch);
        }
        Native.argmax(logits.device(), batch, logits.size(1), logits.address(), predictions.address());
        int[] p = predictions.toIntArray(), y = labels.toIntArray();
        long correct = 0;
        for (int i = 0; i < batch; i++) {
            if (p[i] == y[i]) correct++;
        }
        return correct;
    }

    @Override
    public void close() {
        loss.close();
        if (predictions != null) predictions.close();
    }

    /** Options of a {@link Trainer}. */
    public static final class Builder {
        private final Layer model;
        private final Optimizer optimizer;
        private TrainingListener listener = new TrainingListener() {};
        private LrSchedule schedule;

        private Builder(Layer model, Optimizer optimizer) {
            this.model = Objects.requireNonNull(model, "model");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        }

        public Builder listener(TrainingListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
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
