package dev.anvil.cli;

import dev.anvil.infer.ModelFile;
import dev.anvil.nn.Layer;
import dev.anvil.onnx.OnnxExport;
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
                + " preprocessing, for anvil predict and any safetensors reader; or, for --out FILE.onnx, an ONNX model"
                + " (opset 14) of the evaluation-mode forward pass.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source = new ModelOptions();

    @Option(names = "--out", required = true, description = "The file to write: .safetensors (model file) or .onnx.")
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
        boolean onnx = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
        try (Layer model = source.load(info)) {
            if (onnx) {
                model.eval();
                OnnxExport.export(model, out, info.channels(), info.height(), info.width());
            } else {
                ModelFile.save(out, model, info);
            }
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("wrote " + out + " (" + (onnx ? "ONNX opset " + OnnxExport.OPSET + ", " : "") + (info.architecture() == null ? "described layers" : info.architecture()) + ", "
                + info.classes().size() + " classes, input " + info.channels() + "x" + info.height() + "x" + info.width() + ")");
        w.flush();
        return 0;
    }
}
