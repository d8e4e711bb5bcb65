package dev.anvil.cli;

import dev.anvil.Device;
import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.distributed.DdpTrainer;
import dev.anvil.distributed.DistributedDataParallel;
import dev.anvil.distributed.DistributedSampler;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.distributed.ReduceOp;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.Dropout;
import dev.anvil.nn.Init;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.LrSchedule;
import dev.anvil.optim.Optimizer;
import dev.anvil.train.EpochResult;
import dev.anvil.train.Evaluation;
import dev.anvil.train.Evaluator;
import dev.anvil.train.StepProgress;
import dev.anvil.train.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank of data-parallel {@code anvil train}: the rank trains a replica of the reference CNN
 * on its shard ({@link DistributedSampler}, the same number of steps on every rank) with
 * {@link DistributedDataParallel}; rank 0 evaluates, prints, writes metrics and checkpoints.
 *
 * <p>Checkpoints record {@code epoch} (epochs completed) and {@code step} (steps done in the next
 * epoch). Resuming loads them on every rank, restores the dropout mask sequence by replaying its
 * passes, and skips the batches already done in that epoch, so that the run continues exactly
 * where the checkpoint was taken.
 */
final class DistributedTraining {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTraining.class);

    private final TrainCommand options;
    private final ProcessGroup group;
    private final Device device;
    private final PrintWriter out;

    /** A rank that trains on {@code device} (the GPU of an nccl group, else the CPU). */
    DistributedTraining(TrainCommand options, ProcessGroup group, Device device, PrintWriter out) {
        this.options = options;
        this.group = group;
        this.device = device;
        this.out = out;
    }

    private boolean leader() {
        return group.rank() == 0;
    }

    /** Trains; returns rank 0's final test accuracy (NaN on other ranks and when there was nothing to do). */
    double run(Dataset train, Dataset test) throws IOException {
        DistributedSampler sampler = DistributedSampler.builder(train.size(), group).batchSize(options.batch).seed(options.seed).build();
        long stepsPerEpoch = sampler.stepsPerEpoch();
        LrSchedule schedule = options.lrSchedule(stepsPerEpoch);
        try (Sequential model = seededModel(options.seed).to(device); Optimizer opt = options.makeOptimizer(model)) {
            int doneEpochs = 0;
            long doneSteps = 0;
            if (options.resume && Files.exists(options.checkpoint)) {
                Map<String, String> meta = Checkpoint.load(options.checkpoint, model, opt);
                String size = meta.getOrDefault("world_size", "1");
                if (Integer.parseInt(size) != group.worldSize()) {
                    throw new IllegalArgumentException(options.checkpoint + " was written by a run of " + size + " ranks; resume it with "
                            + size + " ranks (the data shards depend on the number of ranks)");
                }
                doneEpochs = Integer.parseInt(meta.getOrDefault("epoch", "0"));
                doneSteps = Long.parseLong(meta.getOrDefault("step", "0"));
                replayDropout(model, doneEpochs * stepsPerEpoch + doneSteps);
                if (leader()) LOG.info("resumed from {} after epoch {} and {} steps of the next", options.checkpoint, doneEpochs, doneSteps);
            }
            if (doneEpochs >= options.epochs) {
                if (leader()) out.println("nothing to do: the checkpoint already holds " + doneEpochs + " epochs");
                return Double.NaN;
            }
            if (leader()) {
                out.print(model.summary(options.batch, 1, 28, 28));
                out.println("optimizer: " + opt + "; " + group.worldSize() + " ranks, " + group + ", " + stepsPerEpoch + " steps per epoch");
                out.flush();
            }
            try (DistributedDataParallel ddp = DistributedDataParallel.builder(model, group).build();
                    DdpTrainer trainer = new DdpTrainer(ddp, opt);
                    Evaluator evaluator = new Evaluator(model);
                    DataLoader loader = DataLoader.builder(sampler.shard(train)).batchSize(sampler.batchSize()).shuffle(false)
                            .device(device).build();
                    DataLoader testLoader = DataLoader.builder(test).batchSize(1000).shuffle(false).device(device).build();
                    MetricsWriter metrics = leader() && options.metrics != null ? new MetricsWriter(options.metrics) : null;
                    Tensor totals = Tensor.emptyUnscoped(device, DType.FLOAT32, 2)) {
                TrainingListener progress = leader() && !options.noProgress ? new ProgressLine(System.err) : new TrainingListener() {};
                double accuracy = Double.NaN;
                long stepsThisRun = 0, runStart = System.nanoTime();
                long stepsLeft = (options.epochs - doneEpochs) * stepsPerEpoch - doneSteps;
                for (int epoch = doneEpochs + 1; epoch <= options.epochs; epoch++) {
                    sampler.setEpoch(epoch - 1);
                    long skip = epoch == doneEpochs + 1 ? doneSteps : 0;
                    long start = System.nanoTime();
                    double lossSum = 0;
                    long samples = 0, step = 0;
                    for (Batch b : loader) {
                        if (++step <= skip) continue;
                        if (schedule != null) opt.setLearningRate(schedule.lr(options.lr, opt.steps()));
                        float loss = trainer.step(b.images(), b.labels());
                        lossSum += (double) loss * b.size();
                        samples += b.size();
                        FaultInjection.check(group.rank(), ++stepsThisRun);
                        long now = System.nanoTime();
                        double perStep = (now - runStart) / 1e9 / stepsThisRun;
                        progress.onStep(new StepProgress(epoch, options.epochs, step, stepsPerEpoch, loss, lossSum / samples,
                                samples * group.worldSize() / Math.max((now - start) / 1e9, 1e-9), perStep * (stepsLeft - stepsThisRun)));
                        long global = (epoch - 1) * stepsPerEpoch + step;
                        if (leader() && options.checkpointEvery > 0 && global % options.checkpointEvery == 0 && step < stepsPerEpoch) {
                            save(model, opt, epoch - 1, step);
                        }
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    totals.copyFrom(new float[] {(float) lossSum, samples});
                    group.allReduce(totals, ReduceOp.SUM);
                    float[] global = totals.toFloatArray();
                    float globalLoss = global[0], globalSamples = global[1];
                    if (!leader()) continue;
                    Evaluation eval = evaluator.evaluate(testLoader);
                    EpochResult r = new EpochResult(epoch, globalLoss / Math.max(1, globalSamples), Double.NaN, globalSamples / seconds, seconds, eval);
                    progress.onEpochEnd(r);
                    options.report(out, r, metrics);
                    save(model, opt, epoch, 0);
                    accuracy = eval.accuracy();
                }
                if (leader()) {
                    out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);
                    out.flush();
                }
                return accuracy;
            }
        }
    }

    /** Rank 0 writes the checkpoint (atomically, see {@link Checkpoint}) after {@code epoch} epochs and {@code step} more steps. */
    private void save(Sequential model, Optimizer opt, int epoch, long step) throws IOException {
        if (options.checkpoint == null) return;
        Checkpoint.save(options.checkpoint, model, opt, Map.of("epoch", Integer.toString(epoch), "step", Long.toString(step), "seed",
                Long.toString(options.seed), "world_size", Integer.toString(group.worldSize())));
        LOG.info("saved checkpoint {} (epoch {}, step {})", options.checkpoint, epoch, step);
    }

    /** The chosen network initialised from {@code seed}; ranks that are threads of one JVM take turns with the global generator. */
    private Sequential seededModel(long seed) {
        synchronized (Init.class) {
            Init.manualSeed(seed);
            return options.buildModel();
        }
    }

    /**
     * Sets each dropout layer's mask sequence to where the interrupted run left it after
     * {@code passes} training passes (a mask depends only on the layer's seed and pass count).
     */
    private static void replayDropout(Sequential model, long passes) {
        for (Layer layer : model.layers()) {
            if (layer instanceof Dropout dropout) dropout.setPasses(passes);
        }
    }
}
