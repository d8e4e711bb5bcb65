package dev.anvil.infer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anvil.io.FileFormatException;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Models;
import dev.anvil.vision.Transform;
import dev.anvil.vision.Transforms;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A model file: a safetensors file of the state dict (PyTorch's names, readable by any
 * safetensors reader) whose metadata also holds the model's {@link Architecture} (every layer
 * with its settings, as JSON under "anvil.layers"), optionally the name of a built-in
 * architecture ({@link #architectures()}), the class names and the input (channels, size,
 * normalisation), so that {@link #load} rebuilds a ready {@link Predictor} without code, for any
 * model made of built-in layers and compositions.
 */
public final class ModelFile {
    static final String ARCHITECTURE = "anvil.architecture";
    static final String LAYERS = "anvil.layers";
    static final String CLASSES = "anvil.classes";
    static final String INPUT = "anvil.input";
    static final String MEAN = "anvil.normalize.mean";
    static final String STD = "anvil.normalize.std";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Supplier<Layer>> ARCHITECTURES = new LinkedHashMap<>();

    static {
        ARCHITECTURES.put("fmnist-cnn", Models::fashionMnistCnn);
        ARCHITECTURES.put("fmnist-resnet", Models::fmnistResNet);
    }

    private ModelFile() {}

    /** The built-in architectures a model file can name. */
    public static Set<String> architectures() {
        return ARCHITECTURES.keySet();
    }

    /** A new model of a built-in architecture, with fresh parameters. */
    public static Layer create(String architecture) {
        Supplier<Layer> f = ARCHITECTURES.get(Objects.requireNonNull(architecture, "architecture"));
        if (f == null) throw new IllegalArgumentException("unknown architecture '" + architecture + "'; known: " + architectures());
        return f.get();
    }

    /**
     * What a model file says about its model besides the weights.
     *
     * @param architecture a built-in architecture ({@link #architectures()}), or null for another model (the file describes its layers)
     * @param classes      class names by label
     * @param channels     input channels (1 grey, 3 RGB)
     * @param height       input height in pixels
     * @param width        input width in pixels
     * @param mean         per-channel normalisation mean applied after scaling pixels to [0, 1] (null: none)
     * @param std          per-channel normalisation standard deviation (null: none)
     */
    public record Info(String architecture, List<String> classes, int channels, int height, int width, float[] mean, float[] std) {
        public Info {
            classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
            if (classes.isEmpty()) throw new IllegalArgumentException("a model file needs its class names");
            if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
            if (height <= 0 || width <= 0) throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
            if ((mean == null) != (std == null)) throw new IllegalArgumentException("give both mean and std, or neither");
            if (mean != null) {
                Transforms.normalize(mean, std).outputShape(new long[] {channels, height, width}); // checks them
                mean = mean.clone();
                std = std.clone();
            }
        }

        /** The preprocessing of an image file for this model: resize to the input size, then normalise. */
        public Transform transform() {
            Transform resize = Transforms.resize(height, width);
            return mean == null ? resize : resize.andThen(Transforms.normalize(mean, std));
        }
    }

    /** The Fashion-MNIST class names, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Writes the model's state dict with {@code info} in the metadata. */
    public static void save(Path path, Layer model, Info info) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(info, "info");
        if (info.architecture() != null) create(info.architecture()).close(); // a named architecture must be known
        Map<String, String> meta = new LinkedHashMap<>();
        if (info.architecture() != null) meta.put(ARCHITECTURE, info.architecture());
        meta.put(LAYERS, Architecture.describe(model));
        meta.put(CLASSES, JSON.writeValueAsString(info.classes()));
        meta.put(INPUT, info.channels() + "x" + info.height() + "x" + info.width());
        if (info.mean() != null) {
            meta.put(MEAN, JSON.writeValueAsString(info.mean()));
            meta.put(STD, JSON.writeValueAsString(info.std()));
        }
        SafeTensors.save(path, model, meta);
    }

    /** The {@link Info} of a model file, read from its header. */
    public static Info info(Path path) throws IOException {
        Map<String, String> meta = SafeTensors.readHeader(path).metadata();
        String arch = meta.get(ARCHITECTURE);
        if (arch == null && !meta.containsKey(LAYERS)) {
            throw new FileFormatException(path, LAYERS, path + " is a safetensors file without an Anvil model description ("
                    + LAYERS + " metadata); load it with SafeTensors.load into a model built in code");
        }
        try {
            List<String> classes = JSON.readValue(required(meta, CLASSES, path), new TypeReference<List<String>>() {});
            String[] in = required(meta, INPUT, path).split("x");
            if (in.length != 3) throw new FileFormatException(path, INPUT, path + ": " + INPUT + " should be CxHxW, is " + meta.get(INPUT));
            float[] mean = meta.containsKey(MEAN) ? JSON.readValue(meta.get(MEAN), float[].class) : null;
            float[] std = meta.containsKey(STD) ? JSON.readValue(meta.get(STD), float[].class) : null;
            return new Info(arch, classes, Integer.parseInt(in[0]), Integer.parseInt(in[1]), Integer.parseInt(in[2]), mean, std);
        } catch (JsonProcessingException | NumberFormatException e) {
            throw new FileFormatException(path, "metadata", path + ": bad model metadata (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(path, "metadata", path + ": " + e.getMessage());
        }
    }

    /**
     * A predictor for the model in {@code path}: the described (or named) architecture with the
     * file's weights, class names and preprocessing. Closing the predictor closes the model.
     */
    public static Predictor load(Path path) throws IOException {
        Info info = info(path);
        Layer model = loadModel(path);
        return Predictor.builder(model).classNames(info.classes()).channels(info.channels()).transform(info.transform())
                .closeModel(true).build();
    }

    /** The model in {@code path} with its weights (in evaluation mode); the caller closes it. */
    public static Layer loadModel(Path path) throws IOException {
        Info info = info(path);
        String layers = SafeTensors.readHeader(path).metadata().get(LAYERS);
        Layer model;
        try {
            model = layers != null ? Architecture.build(layers) : create(info.architecture());
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(path, layers != null ? LAYERS : ARCHITECTURE, path + ": " + e.getMessage());
        }
        try {
            SafeTensors.load(path, model, true);
            model.eval();
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static String required(Map<String, String> meta, String key, Path path) throws FileFormatException {
        String v = meta.get(key);
        if (v == null) throw new FileFormatException(path, key, path + ": model metadata " + key + " is missing");
        return v;
    }
}
