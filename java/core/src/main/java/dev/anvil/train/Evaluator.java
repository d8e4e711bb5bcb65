package dev.anvil.train;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.internal.Native;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Layer;
import java.nio.IntBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Accuracy and mean cross-entropy of a classifier over a data set, in evaluation mode, without an
 * optimizer: {@code try (Evaluator e = new Evaluator(model)) { e.evaluate(testLoader); }}.
 */
public final class Evaluator implements AutoCloseable {
    private final Layer model;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private Tensor predictions;
    private IntBuffer predictionsView;
    // Views of the label tensors seen lately: a loader's batches come round again, so that counting
    // allocates nothing per step. An entry of a closed tensor is never looked up (inputs are checked open).
    private final Map<Tensor, IntBuffer> labelViews = new IdentityHashMap<>();

    public Evaluator(Layer model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Accuracy and mean loss over {@code data}; the model's training flag is restored afterwards. */
    public Evaluation evaluate(DataLoader data) {
        Objects.requireNonNull(data, "data");
        boolean wasTraining = model.isTraining();
        model.eval();
        long start = System.nanoTime();
        long correct = 0, samples = 0;
        double lossSum = 0;
        try {
            for (Batch batch : data) {
                Tensor logits = model.forward(batch.images());
                lossSum += (double) loss.forward(logits, batch.labels()) * batch.size();
                correct += countCorrect(logits, batch.labels());
                samples += batch.size();
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(samples == 0 ? 0 : (double) correct / samples, samples == 0 ? 0 : lossSum / samples, samples,
                (System.nanoTime() - start) / 1e9);
    }

    /** The number of rows of logits [batch, classes] whose arg-max equals the label. */
    long countCorrect(Tensor logits, Tensor labels) {
        int batch = Math.toIntExact(logits.size(0));
        Device device = logits.device();
        if (predictions == null || predictions.size(0) != batch || !predictions.device().equals(device)) {
            if (predictions != null) predictions.close();
            predictions = null;
            predictions = Tensor.emptyUnscoped(device, DType.INT32, batch);
            predictionsView = device.type() == Device.Type.CPU ? predictions.intBuffer() : null;
        }
        Native.argmax(device, batch, logits.size(1), logits.address(), predictions.address());
        long correct = 0;
        if (device.type() == Device.Type.CPU) {
            IntBuffer y = labelViews.get(labels);
            if (y == null) {
                if (labelViews.size() >= 16) labelViews.clear();
                y = labels.intBuffer();
                labelViews.put(labels, y);
            }
            for (int i = 0; i < batch; i++) {
                if (predictionsView.get(i) == y.get(i)) correct++;
            }
        } else {
            int[] p = predictions.toIntArray(), y = labels.toIntArray();
            for (int i = 0; i < batch; i++) {
                if (p[i] == y[i]) correct++;
            }
        }
        return correct;
    }

    @Override
    public void close() {
        loss.close();
        if (predictions != null) predictions.close();
        predictions = null;
        predictionsView = null;
        labelViews.clear();
    }
}
