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
 * {@code anvil tune train --param lr=0.003 --param dropout=0.2 ...}: trains one fmnist-cnn recipe
 * on the whole training set and prints the test accuracy after each epoch, as {@code anvil train}
 * does, with the recipe parameters {@code anvil train} lacks (dropout, width, the linear and onecycle schedules). The report
 * prints this command for a best trial that needs them.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one fmnist-cnn recipe (lr, momentum, weight_decay, batch, optimizer, dropout, schedule, width, label_smoothing) and print test accuracy.")
final class TuneTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--param", description = "NAME=VALUE of the recipe; unnamed ones keep anvil train's defaults.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

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
        Map<String, Object> values = new LinkedHashMap<>(params);
        FashionMnistRecipe recipe = FashionMnistRecipe.of(values); // checks every value, naming the wrong one
        Anvil.setNumThreads(threads);
        // One trial whose parameters are fixed: a space of one choice each.
        SearchSpace.Builder fixed = SearchSpace.builder();
        recipe.params().forEach((k, v) -> fixed.categorical(k, v));
        FashionMnistObjective objective = new FashionMnistObjective(data, epochs, limit, 0, 1, seed, false).progress(line -> {
            out.println(line);
            out.flush();
        });
        try (Study study = Study.builder(fixed.build()).sampler(new RandomSampler()).seed(seed).open()) {
            out.println(recipe);
            out.flush();
            Trial t = study.ask();
            double acc = objective.evaluate(t);
            study.tell(t, acc);
            out.printf(Locale.ROOT, "test accuracy: %.4f%n", acc);
        }
        out.flush();
        return 0;
    }
}
