package dev.anvil.cli;

import dev.anvil.Device;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.nn.Init;
import dev.anvil.nn.Sequential;
import dev.anvil.privacy.NormalizedDataset;
import dev.anvil.privacy.PrivacyEngine;
import dev.anvil.privacy.PrivateTrainer;
import dev.anvil.train.Evaluation;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * {@code anvil train --dp}: DP-SGD on Fashion-MNIST with the options of {@link TrainCommand}, in a single process
 * or as one rank of data-parallel training (each rank clips its own samples, rank 0 adds the noise; rank 0
 * evaluates, prints, writes metrics and checkpoints).
 */
final class DpTraining {
    private final TrainCommand o;
    private final PrintWriter out;

    DpTraining(TrainCommand options, PrintWriter out) {
        this.o = options;
        this.out = out;
    }

    /** Trains on {@code dev}; {@code group} is null in a single process. */
    int run(Dataset train, Dataset test, Device dev, ProcessGroup group) throws IOException {
        boolean leader = group == null || group.rank() == 0;
        if (o.normalize) {
            train = new NormalizedDataset(train, NormalizedDataset.FASHION_MNIST_MEAN, NormalizedDataset.FASHION_MNIST_STD);
            test = new NormalizedDataset(test, NormalizedDataset.FASHION_MNIST_MEAN, NormalizedDataset.FASHION_MNIST_STD);
        }
        PrivacyEngine.Builder eb = PrivacyEngine.builder().delta(o.delta).maxGradNorm(o.maxGradNorm).epochs(o.epochs)
                .accountant(o.accountant).secureMode(o.secureMode).seed(o.seed).device(dev);
        if (Double.isNaN(o.noiseMultiplier)) eb.targetEpsilon(o.targetEpsilon);
        else eb.noiseMultiplier(o.noiseMultiplier);
        if (group != null) eb.processGroup(group);
        PrivacyEngine engine = eb.build();
        try (Sequential model = seededModel().to(dev);
             PrivateTrainer trainer = engine.makePrivate(model, o.makeOptimizer(model), train, o.batch);
             DataLoader testLoader = DataLoader.builder(test).batchSize(1000).shuffle(false).device(dev).build();
             BufferedWriter metricsOut = o.metrics == null || !leader ? null
                     : Files.newBufferedWriter(o.metrics, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            if (leader) {
                out.print(model.summary(o.batch, 1, 28, 28));
                out.printf(Locale.ROOT, "DP-SGD: noise multiplier %.4f, max grad norm %g, expected batch %.0f (sample rate %.6f), "
                        + "%d steps per epoch, delta %g, %s accountant%s; optimizer %s, device %s%s%n",
                        trainer.optimizer().noiseMultiplier(), o.maxGradNorm, trainer.loader().expectedBatchSize(),
                        trainer.loader().sampleRate(), trainer.loader().stepsPerEpoch(), o.delta, o.accountant,
                        o.secureMode ? ", secure mode" : "", trainer.optimizer().optimizer(), dev,
                        group == null ? "" : "; " + group.worldSize() + " ranks (" + group + "), noise added once by rank 0");
                out.flush();
            }
            if (o.resume && o.checkpoint != null && Files.exists(o.checkpoint)) {
                trainer.resume(o.checkpoint);
                if (leader) out.printf(Locale.ROOT, "resumed from %s after epoch %d (epsilon %.4f spent)%n", o.checkpoint, trainer.epoch(),
                        trainer.epsilon());
            }
            if (trainer.epoch() >= o.epochs) {
                if (leader) out.println("nothing to do: the checkpoint already holds " + trainer.epoch() + " epochs");
                return 0;
            }
            Evaluation last = null;
            while (trainer.epoch() < o.epochs) {
                PrivateTrainer.EpochStats s = trainer.trainEpoch();
                if (!leader) continue;
                last = trainer.evaluate(testLoader);
                out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, %.0f images/s, %.1f s; test accuracy %.4f, test loss %.4f;"
                        + " epsilon %.4f (delta %g)%n", s.epoch(), o.epochs, s.trainLoss(), s.imagesPerSecond(), s.seconds(),
                        last.accuracy(), last.loss(), s.epsilon(), o.delta);
                out.flush();
                if (metricsOut != null) {
                    // One JSON line per epoch, the fields of anvil train's metrics and the privacy spent.
                    metricsOut.write(String.format(Locale.ROOT, "{\"epoch\":%d,\"train_loss\":%.6f,\"images_per_s\":%.1f,"
                            + "\"test_accuracy\":%.6f,\"test_loss\":%.6f,\"seconds\":%.3f,\"epsilon\":%.6f,\"delta\":%g,"
                            + "\"noise_multiplier\":%.6f,\"steps\":%d}", s.epoch(), s.trainLoss(), s.imagesPerSecond(), last.accuracy(),
                            last.loss(), s.seconds(), s.epsilon(), o.delta, trainer.optimizer().noiseMultiplier(), s.steps()));
                    metricsOut.newLine();
                    metricsOut.flush();
                }
                if (o.checkpoint != null) trainer.save(o.checkpoint);
            }
            if (leader) {
                out.printf(Locale.ROOT, "test accuracy: %.4f at epsilon %.4f, delta %g%n", last.accuracy(), trainer.epsilon(), o.delta);
                out.flush();
            }
        }
        return 0;
    }

    /** The chosen network initialised from the seed; ranks that are threads of one JVM take turns with the global generator. */
    private Sequential seededModel() {
        synchronized (Init.class) {
            Init.manualSeed(o.seed);
            return o.buildModel();
        }
    }
}
