package dev.anvil.cli;

import dev.anvil.infer.ModelFile;
import dev.anvil.infer.Predictor;
import dev.anvil.io.Checkpoint;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How predict and export find a model: a model file, or weights (safetensors or an Anvil checkpoint) with --arch. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "A model file (anvil export), a safetensors state dict or a checkpoint"
            + " of anvil train.")
    Path model;

    @Option(names = "--arch", description = "Architecture of weights without a model description: cnn (fmnist-cnn) or resnet"
            + " (fmnist-resnet) (default: cnn).")
    String arch;

    @Option(names = "--classes", split = ",", description = "Class names by label, comma-separated (default: the model file's, else"
            + " Fashion-MNIST's).")
    List<String> classes;

    /** The model file's description, or one made from the options for bare weights. */
    ModelFile.Info info() throws IOException {
        if (isModelFile()) {
            ModelFile.Info i = ModelFile.info(model);
            return classes == null ? i : new ModelFile.Info(i.architecture(), classes, i.channels(), i.height(), i.width(), i.mean(), i.std());
        }
        String a = arch == null ? "fmnist-cnn" : arch.startsWith("fmnist-") ? arch : "fmnist-" + arch;
        if (!ModelFile.architectures().contains(a)) {
            throw new IllegalArgumentException("unknown --arch '" + arch + "'; known: cnn, resnet");
        }
        return new ModelFile.Info(a, classes == null ? ModelFile.FASHION_MNIST_CLASSES : classes, 1, 28, 28, null, null);
    }

    /** The model of {@link #info()} with the file's weights; the caller closes it. */
    Layer load(ModelFile.Info info) throws IOException {
        if (isModelFile()) return ModelFile.loadModel(model);
        Layer m = ModelFile.create(info.architecture());
        try {
            if (isCheckpoint()) {
                Checkpoint.load(model, m, null);
            } else {
                SafeTensors.load(model, m, true);
            }
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    Predictor predictor() throws IOException {
        ModelFile.Info info = info();
        return Predictor.builder(load(info)).classNames(info.classes()).channels(info.channels()).transform(info.transform())
                .closeModel(true).build();
    }

    /** A model file of anvil export (its metadata describes the model) and no --arch to override it. */
    private boolean isModelFile() throws IOException {
        if (isCheckpoint() || arch != null) return false;
        Map<String, String> meta = SafeTensors.readHeader(model).metadata();
        return meta.containsKey("anvil.architecture") || meta.containsKey("anvil.layers");
    }

    private boolean isCheckpoint() throws IOException {
        if (!Files.isRegularFile(model)) throw new IOException(model + ": no such model file");
        byte[] magic = new byte[8];
        try (InputStream in = Files.newInputStream(model)) {
            return in.readNBytes(magic, 0, 8) == 8 && Arrays.equals(magic, "ANVILCKP".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
