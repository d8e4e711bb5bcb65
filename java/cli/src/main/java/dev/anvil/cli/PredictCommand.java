package dev.anvil.cli;

import dev.anvil.infer.Predictor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code anvil predict}: the most probable classes of image files. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Print the most probable classes of each image (PNG, JPEG, BMP, GIF) with their probabilities.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source = new ModelOptions();

    @Option(names = "--top", defaultValue = "5", description = "Classes to print per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (top <= 0) throw new IllegalArgumentException("--top must be positive, got " + top);
        PrintWriter out = spec.commandLine().getOut();
        try (Predictor p = source.predictor()) {
            List<List<Predictor.Prediction>> all = p.predict(images, top);
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i));
                int rank = 1;
                for (Predictor.Prediction pr : all.get(i)) {
                    out.printf("  %d. %-20s %.4f%n", rank++, pr.label(), pr.probability());
                }
            }
        }
        out.flush();
        return 0;
    }
}
