package dev.anvil.privacy;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.data.DataLoader;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.distributed.ReduceOp;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Sequential;
import dev.anvil.train.Evaluation;
import dev.anvil.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DP-SGD training of a classifier with cross-entropy loss: Poisson-sampled batches, per-sample clipping,
 * Gaussian noise, the wrapped optimizer's step and the accountant, one {@link #trainEpoch} at a time; the
 * epsilon spent is logged after every epoch and returned with it. Made by {@link PrivacyEngine#makePrivate};
 * closing it closes the optimizer and the loader (not the model).
 *
 * <p>In data-parallel training every rank runs its own trainer, calling the same methods in the same order: the
 * epoch statistics are those of all ranks together, and {@link #save} writes on rank 0 only.
 */
public final class PrivateTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrivateTrainer.class);
    static final String KEY_EPOCH = "privacy.epoch", KEY_STEPS = "privacy.steps", KEY_HISTORY = "privacy.history",
            KEY_ACCOUNTANT = "privacy.accountant";

    /** One epoch: mean training loss, images per second, the epsilon spent by its end. */
    public record EpochStats(int epoch, double trainLoss, double imagesPerSecond, double epsilon, long steps, double seconds) {}

    private final Sequential model;
    private final DPOptimizer optimizer;
    private final PoissonDataLoader loader;
    private final PerSampleClipper clipper;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private final double delta;
    private final int plannedEpochs;
    private int epoch;
    private Trainer evaluator;

    PrivateTrainer(Sequential model, DPOptimizer optimizer, PoissonDataLoader loader, double delta, int plannedEpochs) {
        this.model = model;
        this.optimizer = optimizer;
        this.loader = loader;
        this.clipper = new PerSampleClipper(model);
        this.delta = delta;
        this.plannedEpochs = plannedEpochs;
    }

    public DPOptimizer optimizer() {
        return optimizer;
    }

    public PoissonDataLoader loader() {
        return loader;
    }

    public PrivacyAccountant accountant() {
        return optimizer.accountant();
    }

    public double delta() {
        return delta;
    }

    /** Epochs completed (including those before a resume). */
    public int epoch() {
        return epoch;
    }

    public int plannedEpochs() {
        return plannedEpochs;
    }

    /** The epsilon spent so far at the engine's delta. */
    public double epsilon() {
        return accountant().getEpsilon(delta);
    }

    /** One private step on a batch; returns its mean loss (NaN for an empty batch, which still adds noise and counts). */
    public double step(PoissonDataLoader.PrivateBatch batch) {
        model.train(true);
        optimizer.zeroGrad();
        double l = Double.NaN;
        if (batch.size() > 0) {
            Tensor out = clipper.forward(batch.images());
            l = loss.forward(out, batch.labels());
            Tensor dy = loss.backward().scale(batch.size()); // the gradient of the summed per-sample losses
            clipper.clipAndAccumulate(dy, optimizer.maxGradNorm());
        }
        optimizer.step();
        return l;
    }

    /** Trains one epoch ({@link PoissonDataLoader#stepsPerEpoch()} steps) and logs the privacy spent (all ranks' loss and samples). */
    public EpochStats trainEpoch() {
        long start = System.nanoTime();
        double lossSum = 0;
        long samples = 0;
        for (PoissonDataLoader.PrivateBatch b : loader.epoch(epoch)) {
            double l = step(b);
            if (b.size() > 0) {
                lossSum += l * b.size();
                samples += b.size();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ProcessGroup group = optimizer.group();
        if (group != null) {
            double[] total = allRanks(group, lossSum, samples);
            lossSum = total[0];
            samples = Math.round(total[1]);
        }
        epoch++;
        EpochStats s = new EpochStats(epoch, samples == 0 ? Double.NaN : lossSum / samples, samples / seconds, epsilon(),
                optimizer.steps(), seconds);
        if (leader()) log.info(String.format(Locale.ROOT, "epoch %d: loss %.4f, %.0f images/s, epsilon %.3f at delta %g", s.epoch(), s.trainLoss(),
                s.imagesPerSecond(), s.epsilon(), delta));
        return s;
    }

    /** A single process, or rank 0 of a data-parallel group. */
    private boolean leader() {
        ProcessGroup g = optimizer.group();
        return g == null || g.rank() == 0;
    }

    /** The sums of {@code lossSum} and {@code samples} over the ranks. */
    private double[] allRanks(ProcessGroup group, double lossSum, long samples) {
        try (Tensor t = Tensor.emptyUnscoped(optimizer.optimizer().parameters().get(0).device(), DType.FLOAT32, 2)) {
            t.copyFrom(new float[] {(float) lossSum, samples});
            group.allReduce(t, ReduceOp.SUM);
            float[] v = t.toFloatArray();
            return new double[] {v[0], v[1]};
        }
    }

    /** Runs the remaining planned epochs; returns their stats. */
    public List<EpochStats> fit() {
        List<EpochStats> out = new ArrayList<>();
        while (epoch < plannedEpochs) out.add(trainEpoch());
        return out;
    }

    /** Accuracy and loss on a test set (evaluation mode; spends no privacy). */
    public Evaluation evaluate(DataLoader test) {
        if (evaluator == null) evaluator = Trainer.builder(model, optimizer.optimizer()).build();
        return evaluator.evaluate(test);
    }

    /**
     * Saves model, optimizer state, epoch, step count and the accountant's history; in data-parallel training
     * only rank 0 writes (every rank holds the same state).
     */
    public void save(Path path) throws IOException {
        if (!leader()) return;
        Checkpoint.save(path, model, optimizer.optimizer(), privacyState());
    }

    /**
     * Restores what {@link #save} wrote; the next epoch continues as the uninterrupted run would have (with a seed,
     * also when the number of data-parallel ranks changed: the ranks' batches together and the noise depend only on
     * the seed, the epoch and the step).
     */
    public void resume(Path path) throws IOException {
        Map<String, String> meta = Checkpoint.metadata(path);
        String mechanism = meta.get(KEY_ACCOUNTANT);
        if (mechanism == null) throw new IllegalArgumentException(path + " holds no privacy state (not saved by PrivateTrainer.save)");
        if (!mechanism.equals(accountant().mechanism())) {
            throw new IllegalArgumentException(path + " was trained with the " + mechanism + " accountant, not " + accountant().mechanism());
        }
        List<PrivacyAccountant.Entry> history = parseHistory(meta.get(KEY_HISTORY));
        Checkpoint.load(path, model, optimizer.optimizer());
        accountant().setHistory(history);
        optimizer.setSteps(Long.parseLong(meta.get(KEY_STEPS)));
        epoch = Integer.parseInt(meta.get(KEY_EPOCH));
    }

    Map<String, String> privacyState() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_EPOCH, Integer.toString(epoch));
        m.put(KEY_STEPS, Long.toString(optimizer.steps()));
        m.put(KEY_ACCOUNTANT, accountant().mechanism());
        StringBuilder sb = new StringBuilder();
        for (PrivacyAccountant.Entry e : accountant().history()) {
            if (sb.length() > 0) sb.append(';');
            // Full precision: the accountant's epsilon after a resume is the uninterrupted run's.
            sb.append(Double.toString(e.noiseMultiplier())).append(',').append(Double.toString(e.sampleRate())).append(',').append(e.steps());
        }
        m.put(KEY_HISTORY, sb.toString());
        return m;
    }

    static List<PrivacyAccountant.Entry> parseHistory(String text) {
        List<PrivacyAccountant.Entry> out = new ArrayList<>();
        if (text == null || text.isEmpty()) return out;
        for (String part : text.split(";")) {
            String[] f = part.split(",");
            if (f.length != 3) throw new IllegalArgumentException("bad accountant history entry \"" + part + "\"");
            out.add(new PrivacyAccountant.Entry(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Long.parseLong(f[2])));
        }
        return out;
    }

    @Override
    public void close() {
        clipper.close();
        loss.close();
        if (evaluator != null) evaluator.close();
        loader.close();
        optimizer.close();
    }
}
