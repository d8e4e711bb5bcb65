package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.data.FashionMnist;
import dev.anvil.distributed.DistributedEnvironment;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Adam;
import dev.anvil.optim.LrSchedule;
import dev.anvil.optim.Optimizer;
import dev.anvil.optim.SGD;
import dev.anvil.privacy.DpModels;
import dev.anvil.report.MetricsWriter;
import dev.anvil.report.ProgressLine;
import dev.anvil.report.TrainingReport;
import dev.anvil.train.EpochResult;
import dev.anvil.train.StepProgress;
import dev.anvil.train.Trainer;
import dev.anvil.train.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code anvil train}: trains the reference CNN on Fashion-MNIST (or MNIST files in the same format). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the reference CNN on Fashion-MNIST and report test accuracy after each epoch.")
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    enum OptimizerKind { sgd, adam, adamw }

    enum ModelKind { cnn, resnet, dpcnn }

    enum Schedule { none, cosine }

    @Spec
    CommandSpec spec;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs to train (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--model", description = "cnn (fmnist-cnn), resnet (fmnist-resnet, ResNet-20; its"
            + " recipe is the default: --batch 128 --lr 0.1 --weight-decay 5e-4 --schedule cosine) or dpcnn (the tanh CNN of"
            + " Papernot et al. 2021 for private training) (default: cnn; dpcnn with --dp).")
    ModelKind modelKind;

    @Option(names = "--dp", description = "Differentially private training (DP-SGD): Poisson sampling with expected batch --batch,"
            + " per-sample clipping to --max-grad-norm, Gaussian noise; prints the epsilon spent after every epoch. With --ranks,"
            + " --backend or anvil launch: each rank clips its own samples, the noise is added once, --batch is the expected"
            + " batch of all ranks together.")
    boolean dp;

    @Option(names = "--target-epsilon", defaultValue = "NaN", description = "With --dp: the epsilon to spend in --epochs epochs; the"
            + " noise multiplier is computed from it before training.")
    double targetEpsilon;

    @Option(names = "--noise-multiplier", defaultValue = "NaN", description = "With --dp: a fixed noise multiplier instead of --target-epsilon.")
    double noiseMultiplier;

    @Option(names = "--delta", defaultValue = "1e-5", description = "With --dp: delta, below 1/N (default: ${DEFAULT-VALUE}).")
    double delta;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "With --dp: per-sample clipping norm (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--accountant", defaultValue = "rdp", description = "With --dp: rdp or gdp (default: ${DEFAULT-VALUE}).")
    String accountant;

    @Option(names = "--normalize", description = "With --dp: standardise the pixels with Fashion-MNIST's mean 0.2860 and std 0.3530.")
    boolean normalize;

    @Option(names = "--secure-mode", description = "With --dp: noise and sampling from SecureRandom (slower; the seed then only sets the initialisation).")
    boolean secureMode;

    @Option(names = "--schedule", description = "Learning-rate schedule per step: none or cosine (annealing over the run)"
            + " (default: cosine for resnet, none for cnn).")
    Schedule schedule;

    @Option(names = "--batch", defaultValue = "-1", description = "Batch size (default: 64; 128 for resnet).")
    int batch;

    @Option(names = "--lr", defaultValue = "NaN", description = "Learning rate (default: 0.01; 0.1 for resnet).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "NaN", description = "Weight decay (default: 0; 5e-4 for resnet).")
    double weightDecay;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).")
    OptimizerKind optimizer;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "Compute threads, 0 = every CPU (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--data", description = "Folder with the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--limit", description = "Train on the first N samples only (quick runs).")
    Integer limit;

    @Option(names = "--test-limit", description = "Evaluate on the first N test samples only.")
    Integer testLimit;

    @Option(names = "--checkpoint", description = "Save model and optimizer here after every epoch.")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue from --checkpoint if it exists.")
    boolean resume;

    @Option(names = "--metrics", description = "Append one JSON line per epoch to this file (a CSV row for a .csv file).")
    Path metrics;

    @Option(names = "--report", description = "Write a training report here at the end: report.html (plots of loss, accuracy,"
            + " learning rate and images/s per epoch and per step), epochs.csv and steps.csv.")
    Path reportDir;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--no-progress", description = "No live progress line.")
    boolean noProgress;

    @Option(names = "--backend", description = "Data-parallel training over this process group backend: tcp, mpi (under mpirun), "
            + "nccl (GPUs, rank r on cuda:LOCAL_RANK) or local "
            + "(default: tcp when WORLD_SIZE, OMPI_COMM_WORLD_SIZE or SLURM_NTASKS says there are several ranks).")
    String backend;

    @Option(names = "--ranks", defaultValue = "1", description = "Run this many ranks as threads of this JVM (default: ${DEFAULT-VALUE}: "
            + "one rank, as the environment says).")
    int ranks;

    @Option(names = "--timeout", defaultValue = "${env:ANVIL_TIMEOUT:-300}",
            description = "Seconds the rendezvous and each collective may wait for the other ranks (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--checkpoint-every", defaultValue = "0",
            description = "Also save --checkpoint every N steps (data-parallel training; 0 = after each epoch only).")
    int checkpointEvery;

    @Option(names = "--label-smoothing", defaultValue = "0",
            description = "Cross-entropy label smoothing in [0, 1] (PyTorch's label_smoothing; default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--clip-grad-norm", description = "Clip the gradients' global L2 norm to this before each step (clip_grad_norm_).")
    Double clipGradNorm;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        applyRecipe();
        validate();
        DistributedEnvironment env = DistributedEnvironment.detect();
        Device dev = Device.parse(device); // fails at once, saying why, for a device that cannot be used
        Anvil.setNumThreads(threads);
        Path dir = data != null ? data : FashionMnist.defaultDir();
        Dataset train = FashionMnist.train(dir);
        Dataset test = FashionMnist.test(dir);
        if (limit != null) train = train.subset(Math.min(limit, train.size()));
        if (testLimit != null) test = test.subset(Math.min(testLimit, test.size()));
        LOG.info("{} training and {} test samples from {}; {} threads", train.size(), test.size(), dir, Anvil.numThreads());
        boolean dataParallel = backend != null || env.isDistributed() || ranks > 1 || checkpointEvery > 0;
        if (dp && checkpointEvery > 0) {
            throw new IllegalArgumentException("--checkpoint-every does not apply to --dp: private runs save --checkpoint after each epoch "
                    + "(Poisson-sampled epochs resume at epoch boundaries)");
        }
        if (dataParallel) {
            if (reportDir != null) throw new IllegalArgumentException("--report is written by single-process runs only, not data-parallel ones");
            if (labelSmoothing != 0 || clipGradNorm != null) {
                throw new IllegalArgumentException("--label-smoothing and --clip-grad-norm apply to single-process training only");
            }
            if (dev.type() != Device.Type.CPU && !"nccl".equals(backend)) {
                throw new IllegalArgumentException("data-parallel training on GPUs needs --backend nccl (each rank then uses cuda:LOCAL_RANK)");
            }
            new DataParallelRun(this, env, out).run(train, test);
            return 0;
        }
        if (dp) return new DpTraining(this, out).run(train, test, dev, null);

        Init.manualSeed(seed);
        try (Sequential model = buildModel().to(dev);
                Optimizer opt = makeOptimizer(model);
                DataLoader trainLoader = DataLoader.builder(train).batchSize(batch).shuffle(true).seed(seed).device(dev).build();
                DataLoader testLoader = DataLoader.builder(test).batchSize(1000).shuffle(false).device(dev).build();
                MetricsWriter metricsOut = metrics == null ? null : new MetricsWriter(metrics);
                CrossEntropyLoss loss = CrossEntropyLoss.builder().labelSmoothing(labelSmoothing).build();
                Trainer trainer = withOptions(Trainer.builder(model, opt).loss(loss), trainLoader.numBatches())
                        .listener(listener(out, metricsOut, model, opt)).build()) {
            out.print(model.summary(batch, 1, 28, 28));
            out.println("optimizer: " + opt + ", device: " + dev);
            out.flush();
            int first = 1;
            if (resume && checkpoint != null && Files.exists(checkpoint)) {
                Map<String, String> meta = Checkpoint.load(checkpoint, model, opt);
                first = Integer.parseInt(meta.getOrDefault("epoch", "0")) + 1;
                LOG.info("resumed from {} after epoch {}", checkpoint, first - 1);
            }
            if (first > epochs) {
                out.println("nothing to do: the checkpoint already holds " + (first - 1) + " epochs");
                return 0;
            }
            List<EpochResult> history = trainer.fit(trainLoader, testLoader, first, epochs);
            if (trainingReport != null) out.println("report: " + trainingReport.write(reportDir));
            out.printf(Locale.ROOT, "test accuracy: %.4f%n", history.get(history.size() - 1).test().accuracy());
            out.flush();
        }
        return 0;
    }

    /** Fills the options left unset from the model's recipe (fmnist-resnet: batch 128, lr 0.1, weight decay 5e-4, cosine). */
    void applyRecipe() {
        if (modelKind == null) modelKind = dp ? ModelKind.dpcnn : ModelKind.cnn;
        boolean resnet = modelKind == ModelKind.resnet;
        if (batch == -1) batch = resnet ? 128 : 64;
        if (Double.isNaN(lr)) lr = resnet ? 0.1 : 0.01;
        if (Double.isNaN(weightDecay)) weightDecay = resnet ? 5e-4 : 0;
        if (schedule == null) schedule = resnet ? Schedule.cosine : Schedule.none;
    }

    /** The chosen network, initialised from the current seed of {@code Init}. */
    Sequential buildModel() {
        return switch (modelKind) {
            case resnet -> Models.fmnistResNet();
            case dpcnn -> DpModels.papernotCnn(10, true);
            case cnn -> Models.fashionMnistCnn();
        };
    }

    /** The learning-rate schedule of a run of {@code epochs} epochs of {@code stepsPerEpoch} steps, or null for none. */
    LrSchedule lrSchedule(long stepsPerEpoch) {
        return schedule == Schedule.cosine ? LrSchedule.cosine(epochs * stepsPerEpoch) : null;
    }

    private Trainer.Builder withOptions(Trainer.Builder b, long stepsPerEpoch) {
        LrSchedule s = lrSchedule(stepsPerEpoch);
        if (s != null) b.schedule(s);
        if (clipGradNorm != null) b.clipGradNorm(clipGradNorm);
        return b;
    }

    private void validate() {
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (limit != null && limit <= 0) throw new IllegalArgumentException("--limit must be positive, got " + limit);
        if (testLimit != null && testLimit <= 0) throw new IllegalArgumentException("--test-limit must be positive, got " + testLimit);
        if (resume && checkpoint == null) throw new IllegalArgumentException("--resume needs --checkpoint");
        if (ranks <= 0) throw new IllegalArgumentException("--ranks must be positive, got " + ranks);
        if (timeoutSeconds <= 0) throw new IllegalArgumentException("--timeout must be positive, got " + timeoutSeconds);
        if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("--label-smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (clipGradNorm != null && !(clipGradNorm > 0 && Double.isFinite(clipGradNorm))) {
            throw new IllegalArgumentException("--clip-grad-norm must be finite and > 0, got " + clipGradNorm);
        }
        if (dp) {
            if (labelSmoothing != 0 || clipGradNorm != null) {
                throw new IllegalArgumentException("--label-smoothing and --clip-grad-norm do not apply to --dp (clipping is per sample: --max-grad-norm)");
            }
            if (Double.isNaN(targetEpsilon) == Double.isNaN(noiseMultiplier)) {
                throw new IllegalArgumentException("--dp needs exactly one of --target-epsilon and --noise-multiplier");
            }
            if (!Double.isNaN(targetEpsilon) && !(targetEpsilon > 0)) {
                throw new IllegalArgumentException("--target-epsilon must be > 0, got " + targetEpsilon);
            }
            if (!(maxGradNorm > 0)) throw new IllegalArgumentException("--max-grad-norm must be > 0, got " + maxGradNorm);
            if (!(delta > 0 && delta < 1)) throw new IllegalArgumentException("--delta must be in (0, 1), got " + delta);
        } else if (!Double.isNaN(targetEpsilon) || !Double.isNaN(noiseMultiplier) || secureMode || normalize) {
            throw new IllegalArgumentException("--target-epsilon, --noise-multiplier, --secure-mode and --normalize need --dp");
        }
    }

    Optimizer makeOptimizer(Sequential model) {
        return switch (optimizer) {
            case sgd -> SGD.builder().lr(lr).momentum(momentum).weightDecay(weightDecay).build(model.parameters());
            case adam -> Adam.builder().lr(lr).weightDecay(weightDecay).build(model.parameters());
            case adamw -> Adam.adamW().lr(lr).weightDecay(weightDecay).build(model.parameters());
        };
    }

    /** Progress line, epoch report, metrics line and checkpoint after each epoch. */
    private TrainingListener listener(PrintWriter out, MetricsWriter metricsOut, Sequential model, Optimizer opt) {
        TrainingListener progress = noProgress ? new TrainingListener() {} : new ProgressLine(System.err);
        trainingReport = reportDir == null ? null : new TrainingReport(modelKind + " on Fashion-MNIST", opt::learningRate);
        return new TrainingListener() {
            @Override
            public void onStep(StepProgress p) {
                progress.onStep(p);
                if (trainingReport != null) trainingReport.onStep(p);
            }

            @Override
            public void onEpochEnd(EpochResult r) {
                progress.onEpochEnd(r);
                if (trainingReport != null) trainingReport.onEpochEnd(r);
                try {
                    report(out, r, metricsOut);
                    if (checkpoint != null) {
                        Checkpoint.save(checkpoint, model, opt, Map.of("epoch", Integer.toString(r.epoch()), "seed", Long.toString(seed)));
                        LOG.info("saved checkpoint {}", checkpoint);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** The --report of the run, made with the trainer's listener. */
    private TrainingReport trainingReport;

    void report(PrintWriter out, EpochResult r, MetricsWriter metricsOut) throws IOException {
        String trainAccuracy = Double.isNaN(r.trainAccuracy()) ? "" : String.format(Locale.ROOT, ", train accuracy %.4f", r.trainAccuracy());
        out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f%s, %.0f images/s, %.1f s; test accuracy %.4f, test loss %.4f%n",
                r.epoch(), epochs, r.trainLoss(), trainAccuracy, r.imagesPerSecond(), r.trainSeconds(), r.test().accuracy(), r.test().loss());
        out.flush();
        if (metricsOut != null) metricsOut.write(r);
    }
}
