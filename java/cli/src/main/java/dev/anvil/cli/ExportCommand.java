package dev.anvil.cli;

import dev.anvil.infer.ModelFile;
import dev.anvil.nn.Layer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code anvil export}: weights (a checkpoint of anvil train, a safetensors state dict) to a self-describing model file. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model file: safetensors weights with PyTorch's names plus architecture, class names and input"
                + " preprocessing, for anvil predict and any safetensors reader.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source = new ModelOptions();

    @Option(names = "--out", required = true, description = "The model file to write (.safetensors).")
    Path out;

    @Option(names = "--mean", split = ",", description = "Per-channel normalisation mean the model was trained with (default: none).")
    float[] mean;

    @Option(names = "--std", split = ",", description = "Per-channel normalisation standard deviation (with --mean).")
    float[] std;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelFile.Info i = source.info();
        ModelFile.Info info = new ModelFile.Info(i.architecture(), i.classes(), i.channels(), i.height(), i.width(),
                mean == null ? i.mean() : mean, std == null ? i.std() : std);
        try (Layer model = source.load(info)) {
            ModelFile.save(out, model, info);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("wrote " + out + " (" + info.architecture() + ", " + info.classes().size() + " classes, input " + info.channels() + "x"
                + info.height() + "x" + info.width() + ")");
        w.flush();
        return 0;
    }
}
