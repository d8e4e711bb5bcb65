package dev.anvil.infer;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.data.DataLoader;
import dev.anvil.nn.Layer;
import dev.anvil.train.Evaluation;
import dev.anvil.train.Evaluator;
import dev.anvil.vision.Image;
import dev.anvil.vision.Images;
import dev.anvil.vision.Transform;
import dev.anvil.vision.Transforms;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Inference with a trained classifier: the model in evaluation mode, class probabilities (softmax
 * of its outputs), top-k predictions with class names, for a batch tensor or for image files,
 * and accuracy and loss over a data set. No optimizer is needed.
 *
 * <pre>{@code
 * try (Predictor p = Predictor.builder(model).classNames(folder.classes())
 *         .channels(3).transform(Transforms.compose(Transforms.resize(32, 32), Transforms.normalize(mean, std))).build()) {
 *     for (Predictor.Prediction top : p.predict(Path.of("cat.png"), 5)) System.out.println(top);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Calls from several threads at once are safe. A layer reuses its output
 * buffers from call to call, so one model runs one batch at a time; with
 * {@link Builder#replicas replicas(n)} the predictor keeps n copies of the model (built from its
 * {@link Architecture} and weights, each with its own buffers) and serves up to n calls in
 * parallel, the others waiting for a free copy. Decoding and preprocessing of images run in the
 * calling threads.
 */
public final class Predictor implements AutoCloseable {
    /** One class of a prediction: its index (label), name and probability. */
    public record Prediction(int index, String label, float probability) {
        @Override
        public String toString() {
            return String.format("%s (%d): %.4f", label, index, probability);
        }
    }

    private final Layer model;
    private final List<Layer> copies = new ArrayList<>();
    private final java.util.concurrent.BlockingQueue<Layer> free;
    private final List<String> classNames;
    private final int channels;
    private final Transform transform;
    private final boolean closeModel;
    private final Object lock = new Object();
    private volatile boolean closed;

    private Predictor(Builder b) {
        this.model = b.model;
        this.classNames = b.classNames;
        this.channels = b.channels;
        this.transform = b.transform;
        this.closeModel = b.closeModel;
        model.eval();
        this.free = new java.util.concurrent.ArrayBlockingQueue<>(b.replicas);
        free.add(model);
        try {
            if (b.replicas > 1) {
                String description = Architecture.describe(model);
                for (int i = 1; i < b.replicas; i++) {
                    Layer copy = Architecture.build(description).to(model.device());
                    copies.add(copy);
                    copy.loadStateDict(model.stateDict(), true);
                    copy.eval();
                    free.add(copy);
                }
            }
        } catch (RuntimeException e) {
            copies.forEach(Layer::close);
            throw e;
        }
    }

    public static Builder builder(Layer model) {
        return new Builder(model);
    }

    /** The model's outputs (logits) for a batch {@code [N, ...]}: one row of floats per sample. */
    public float[][] logits(Tensor batch) {
        Objects.requireNonNull(batch, "batch");
        batch.requireType(DType.FLOAT32);
        if (batch.dim() < 1) throw new IllegalArgumentException("a batch needs a leading batch dimension, got shape " + batch.shapeString());
        float[] flat;
        long[] shape;
        Layer m = take();
        try {
            m.eval();
            Tensor in = batch.device().equals(m.device()) ? batch : batch.to(m.device());
            try {
                Tensor out = m.forward(in);
                shape = out.shape();
                flat = out.toFloatArray();
            } finally {
                if (in != batch) in.close();
            }
        } finally {
            free.add(m);
        }
        if (shape.length != 2) {
            throw new IllegalStateException("model " + model.name() + " gives outputs of shape " + Arrays.toString(shape)
                    + "; a classifier's are [batch, classes]");
        }
        int n = (int) shape[0], k = (int) shape[1];
        if (classNames != null && classNames.size() != k) {
            throw new IllegalStateException("model " + model.name() + " has " + k + " outputs but " + classNames.size() + " class names were given");
        }
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) rows[i] = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
        return rows;
    }

    /** Class probabilities (softmax of the logits, computed in double without overflow) for each sample of a batch. */
    public float[][] probabilities(Tensor batch) {
        float[][] rows = logits(batch);
        for (float[] r : rows) softmaxInPlace(r);
        return rows;
    }

    /** The {@code k} most probable classes of each sample, most probable first (ties: lower index first). */
    public List<List<Prediction>> topK(Tensor batch, int k) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        List<List<Prediction>> out = new ArrayList<>();
        for (float[] p : probabilities(batch)) out.add(top(p, k));
        return out;
    }

    /** The {@code k} most probable classes of the image at {@code file}, decoded and preprocessed as configured. */
    public List<Prediction> predict(Path file, int k) throws IOException {
        return predict(List.of(file), k).get(0);
    }

    /** The {@code k} most probable classes of each image file, in one batch. */
    public List<List<Prediction>> predict(List<Path> files, int k) throws IOException {
        Objects.requireNonNull(files, "files");
        if (files.isEmpty()) throw new IllegalArgumentException("no image files given");
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        List<Image> images = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(0);
        for (Path f : files) {
            Image im = transform.apply(Images.read(f, channels), rng);
            if (!images.isEmpty() && !Arrays.equals(im.shape(), images.get(0).shape())) {
                throw new IllegalArgumentException(f + " gives a " + Arrays.toString(im.shape()) + " input but " + files.get(0) + " a "
                        + Arrays.toString(images.get(0).shape()) + "; add a resize to the predictor's transform");
            }
            images.add(im);
        }
        Image first = images.get(0);
        int per = first.data().length;
        float[] all = new float[Math.multiplyExact(per, images.size())];
        for (int i = 0; i < images.size(); i++) System.arraycopy(images.get(i).data(), 0, all, i * per, per);
        try (Tensor batch = Tensor.of(all, images.size(), first.channels(), first.height(), first.width())) {
            return topK(batch, k);
        }
    }

    /**
     * Accuracy (arg-max equals label) and mean cross-entropy of the model over every batch of
     * {@code data}, in evaluation mode (core's {@link Evaluator} on a free copy of the model).
     */
    public Evaluation evaluate(DataLoader data) {
        Objects.requireNonNull(data, "data");
        Layer m = take();
        try (Evaluator evaluator = new Evaluator(m)) {
            return evaluator.evaluate(data);
        } finally {
            free.add(m);
        }
    }

    /** The class names, or null if none were given. */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Closes the model's copies, and the model if the builder was told to ({@link Builder#closeModel});
     * waits for calls in progress. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        List<Layer> all = new ArrayList<>();
        try {
            for (int i = 0; i < copies.size() + 1; i++) all.add(free.take());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        copies.forEach(Layer::close);
        if (closeModel) model.close();
        free.addAll(all); // callers still waiting for a copy wake up, see the predictor closed and fail
    }

    /** A free copy of the model, waiting for one if all are busy. */
    private Layer take() {
        if (closed) throw new IllegalStateException("the predictor is closed");
        try {
            Layer m = free.take();
            if (closed) {
                free.add(m);
                throw new IllegalStateException("the predictor is closed");
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free copy of the model", e);
        }
    }

    private List<Prediction> top(float[] p, int k) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) {
            int c = order[i];
            out.add(new Prediction(c, classNames == null ? Integer.toString(c) : classNames.get(c), p[c]));
        }
        return out;
    }

    static void softmaxInPlace(float[] r) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : r) max = Math.max(max, v);
        double[] e = new double[r.length];
        for (int i = 0; i < r.length; i++) sum += e[i] = Math.exp(r[i] - max);
        for (int i = 0; i < r.length; i++) r[i] = (float) (e[i] / sum);
    }

    /** Options of a {@link Predictor}. */
    public static final class Builder {
        private final Layer model;
        private List<String> classNames;
        private int channels = 1;
        private Transform transform = Transforms.identity();
        private boolean closeModel;
        private int replicas = 1;

        private Builder(Layer model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** Names of the classes by index (default: the indices as text). */
        public Builder classNames(List<String> names) {
            Objects.requireNonNull(names, "classNames");
            if (names.isEmpty()) throw new IllegalArgumentException("classNames must not be empty");
            for (String n : names) Objects.requireNonNull(n, "class name");
            this.classNames = List.copyOf(names);
            return this;
        }

        /** Channels of images read from files: 1 (grey, the default) or 3 (RGB). */
        public Builder channels(int channels) {
            if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
            this.channels = channels;
            return this;
        }

        /** Preprocessing of images read from files, after decoding to [0, 1] (resize, crop, normalize; default none). */
        public Builder transform(Transform transform) {
            this.transform = Objects.requireNonNull(transform, "transform");
            return this;
        }

        /**
         * Copies of the model to serve calls in parallel (default 1: the model itself, one call at
         * a time); copies need a model of built-in layers ({@link Architecture}).
         */
        public Builder replicas(int replicas) {
            if (replicas <= 0) throw new IllegalArgumentException("replicas must be positive, got " + replicas);
            this.replicas = replicas;
            return this;
        }

        /** Whether {@link Predictor#close} closes the model too (default false). */
        public Builder closeModel(boolean close) {
            this.closeModel = close;
            return this;
        }

        /** The predictor; puts the model in evaluation mode. */
        public Predictor build() {
            return new Predictor(this);
        }
    }
}
