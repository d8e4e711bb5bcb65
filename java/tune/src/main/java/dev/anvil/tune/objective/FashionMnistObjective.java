package dev.anvil.tune.objective;

import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.data.FashionMnist;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Optimizer;
import dev.anvil.train.Evaluation;
import dev.anvil.train.StepProgress;
import dev.anvil.train.Trainer;
import dev.anvil.train.TrainingListener;
import dev.anvil.tune.Objective;
import dev.anvil.tune.Trial;
import dev.anvil.tune.TrialPruned;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the reference CNN on Fashion-MNIST with a trial's {@link FashionMnistRecipe} and returns
 * its accuracy on a validation split (the last {@code valSize} training images, never trained on;
 * 0: the test set, as {@code anvil train} reports). The accuracy is reported {@code reportsPerEpoch}
 * times per epoch (steps 1, 2, ...), and the trial stops at the first report its pruner rejects.
 * A NaN or infinite training loss fails the trial at once ({@link TrainingDiverged}). With
 * {@code testAccuracy}, a completed trial also records its test accuracy as attribute
 * "test_accuracy" (for the study's report; never used to choose).
 */
public final class FashionMnistObjective implements Objective {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistObjective.class);
    /** Option names of {@link #fromOptions}. */
    public static final Set<String> OPTIONS = Set.of("data", "epochs", "limit", "val", "reports-per-epoch", "seed", "test-accuracy");

    private final Path dataDir;
    private final int epochs;
    private final Integer limit;
    private final int valSize;
    private final int reportsPerEpoch;
    private final long seed;
    private final boolean testAccuracy;
    private Consumer<String> progress;

    public FashionMnistObjective(Path dataDir, int epochs, Integer limit, int valSize, int reportsPerEpoch, long seed, boolean testAccuracy) {
        if (epochs <= 0) throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        if (limit != null && limit <= 0) throw new IllegalArgumentException("limit must be positive, got " + limit);
        if (valSize < 0) throw new IllegalArgumentException("val must be >= 0, got " + valSize);
        if (reportsPerEpoch <= 0) throw new IllegalArgumentException("reports-per-epoch must be positive, got " + reportsPerEpoch);
        this.dataDir = dataDir == null ? FashionMnist.defaultDir() : dataDir;
        this.epochs = epochs;
        this.limit = limit;
        this.valSize = valSize;
        this.reportsPerEpoch = reportsPerEpoch;
        this.seed = seed;
        this.testAccuracy = testAccuracy;
    }

    /** From string options (worker command lines): data, epochs (2), limit, val (5000), reports-per-epoch (2), seed (42), test-accuracy (true). */
    public static FashionMnistObjective fromOptions(Map<String, String> o) {
        for (String k : o.keySet()) {
            if (!OPTIONS.contains(k)) throw new IllegalArgumentException("fmnist-cnn has no option '" + k + "' (known: " + OPTIONS + ")");
        }
        return new FashionMnistObjective(o.containsKey("data") ? Path.of(o.get("data")) : null, Integer.parseInt(o.getOrDefault("epochs", "2")),
                o.containsKey("limit") ? Integer.valueOf(o.get("limit")) : null, Integer.parseInt(o.getOrDefault("val", "5000")),
                Integer.parseInt(o.getOrDefault("reports-per-epoch", "2")), Long.parseLong(o.getOrDefault("seed", "42")),
                Boolean.parseBoolean(o.getOrDefault("test-accuracy", "true")));
    }

    /** Receives one line after each report (default: the log, at info level, with the trial number). */
    public FashionMnistObjective progress(Consumer<String> sink) {
        this.progress = java.util.Objects.requireNonNull(sink, "sink");
        return this;
    }

    public int epochs() {
        return epochs;
    }

    @Override
    public double evaluate(Trial trial) throws IOException {
        FashionMnistRecipe recipe = FashionMnistRecipe.of(trial.params());
        Dataset all = FashionMnist.train(dataDir);
        Dataset test = FashionMnist.test(dataDir);
        if (valSize >= all.size()) throw new IllegalArgumentException("val " + valSize + " leaves no training images of " + all.size());
        Dataset train = valSize == 0 ? all : new DatasetRange(all, 0, all.size() - valSize);
        Dataset val = valSize == 0 ? test : new DatasetRange(all, all.size() - valSize, valSize);
        if (limit != null) train = train.subset(limit);
        Init.manualSeed(seed);
        try (Sequential model = recipe.model();
                Optimizer opt = recipe.optimizer(model);
                DataLoader trainLoader = DataLoader.builder(train).batchSize(recipe.batch()).shuffle(true).seed(seed).build();
                DataLoader valLoader = DataLoader.builder(val).batchSize(1000).build();
                CrossEntropyLoss loss = CrossEntropyLoss.builder().labelSmoothing(recipe.labelSmoothing()).build()) {
            ReportingListener listener = new ReportingListener(trial, recipe, opt, valLoader, trainLoader.numBatches());
            try (Trainer trainer = Trainer.builder(model, opt).loss(loss).listener(listener).build()) {
                listener.trainer = trainer;
                for (int epoch = 1; epoch <= epochs; epoch++) trainer.fit(trainLoader, null, epoch, epoch);
                if (testAccuracy && valSize > 0) {
                    try (DataLoader testLoader = DataLoader.builder(test).batchSize(1000).build()) {
                        trial.setAttr("test_accuracy", String.format(Locale.ROOT, "%.4f", trainer.evaluate(testLoader).accuracy()));
                    }
                }
                return listener.last;
            }
        }
    }

    /** Schedules the learning rate, catches divergence, and evaluates and reports at the report points. */
    private final class ReportingListener implements TrainingListener {
        private final Trial trial;
        private final FashionMnistRecipe recipe;
        private final Optimizer opt;
        private final DataLoader val;
        private final long stepsPerEpoch;
        private final long totalSteps;
        private Trainer trainer;
        private long done;
        private long reports;
        private double last = Double.NaN;

        ReportingListener(Trial trial, FashionMnistRecipe recipe, Optimizer opt, DataLoader val, long stepsPerEpoch) {
            this.trial = trial;
            this.recipe = recipe;
            this.opt = opt;
            this.val = val;
            this.stepsPerEpoch = stepsPerEpoch;
            this.totalSteps = stepsPerEpoch * epochs;
            opt.setLearningRate(recipe.lrAt(0, totalSteps));
        }

        @Override
        public void onStep(StepProgress p) {
            done++;
            if (!Float.isFinite(p.loss())) {
                throw new TrainingDiverged("training loss " + p.loss() + " at epoch " + p.epoch() + ", step " + p.step());
            }
            opt.setLearningRate(recipe.lrAt(done, totalSteps));
            // Report points split each epoch into reportsPerEpoch equal parts; the last is the epoch's end.
            long next = (reports % reportsPerEpoch + 1) * stepsPerEpoch / reportsPerEpoch;
            if (p.step() < Math.max(1, next)) return;
            Evaluation e = trainer.evaluate(val);
            reports++;
            last = e.accuracy();
            trial.report(reports, last);
            String line = String.format(Locale.ROOT, "epoch %d, step %d/%d: train loss %.4f, %s accuracy %.4f", p.epoch(), p.step(), p.stepsPerEpoch(),
                    p.meanLoss(), valSize == 0 ? "test" : "validation", last);
            if (progress != null) progress.accept(line);
            else LOG.info("trial {}: {}", trial.number(), line);
            if (trial.shouldPrune()) throw new TrialPruned(String.format(Locale.ROOT, "pruned at report %d (epoch %d, step %d): accuracy %.4f",
                    reports, p.epoch(), p.step(), last));
        }
    }
}
