package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.tune.Study;
import dev.anvil.tune.Trial;
import dev.anvil.tune.objective.FashionMnistObjective;
import dev.anvil.tune.objective.FashionMnistRecipe;
import dev.anvil.tune.sampler.RandomSampler;
import dev.anvil.tune.space.SearchSpace;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anvil tune train}: trains one fmnist-cnn recipe on the whole training set and prints the
 * test accuracy after each epoch: {@code anvil train} plus the recipe parameters it lacks
 * (dropout, width, schedule). The report prints this command for a best trial that needs them.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one fmnist-cnn recipe (anvil train's options plus --dropout, --width, --schedule) and print test accuracy.")
final class TuneTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--dropout", defaultValue = "0.4", description = "Dropout before the last layer (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--width", defaultValue = "1", description = "Multiplier of channels and hidden units (default: ${DEFAULT-VALUE}).")
    double width;

    @Option(names = "--schedule", defaultValue = "constant", description = "constant, cosine or linear (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "Compute threads, 0 = every CPU (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--data", description = "Folder with the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--limit", description = "Train on the first N samples only.")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", lr);
        params.put("momentum", momentum);
        params.put("weight_decay", weightDecay);
        params.put("batch", (long) batch);
        params.put("optimizer", optimizer);
        params.put("dropout", dropout);
        params.put("schedule", schedule);
        params.put("width", width);
        FashionMnistRecipe.of(params); // checks every value, naming the wrong one
        Anvil.setNumThreads(threads);
        // One trial whose parameters are fixed: a space of one choice each.
        SearchSpace.Builder fixed = SearchSpace.builder();
        params.forEach((k, v) -> fixed.categorical(k, v));
        FashionMnistObjective objective = new FashionMnistObjective(data, epochs, limit, 0, 1, seed, false)
                .progress(line -> {
                    out.println(line);
                    out.flush();
                });
        try (Study study = Study.builder(fixed.build()).sampler(new RandomSampler()).seed(seed).open()) {
            Trial t = study.ask();
            out.println(new FashionMnistRecipe(lr, momentum, weightDecay, batch, optimizer, dropout, schedule, width));
            out.flush();
            double acc = objective.evaluate(t);
            study.tell(t, acc);
            out.printf(Locale.ROOT, "test accuracy: %.4f%n", acc);
        }
        out.flush();
        return 0;
    }
}
