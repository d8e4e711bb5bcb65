package dev.anvil.federated;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Layer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A flat copy of a model's float state (parameters and float buffers such as BatchNorm's running
 * statistics, in state-dict order): what clients and coordinator exchange. Integer buffers (a
 * BatchNorm's batch counter) stay with each model.
 */
public final class ModelWeights {
    private final WeightLayout layout;
    private final float[] values;

    /**
     * @throws IllegalArgumentException if {@code values} does not have {@code layout.numel()} entries
     */
    public ModelWeights(WeightLayout layout, float[] values) {
        this.layout = Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(values, "values");
        if (values.length != layout.numel()) {
            throw new IllegalArgumentException("weights have " + values.length + " values but the layout (" + layout + ") needs " + layout.numel());
        }
        this.values = values;
    }

    /** The layout of {@code model}'s float state. */
    public static WeightLayout layoutOf(Layer model) {
        Objects.requireNonNull(model, "model");
        List<String> names = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            if (e.getValue().dtype() != DType.FLOAT32) continue;
            names.add(e.getKey());
            shapes.add(e.getValue().shape());
        }
        return new WeightLayout(names, shapes);
    }

    /** A copy of {@code model}'s float state. */
    public static ModelWeights of(Layer model) {
        WeightLayout layout = layoutOf(model);
        float[] v = new float[layout.numel()];
        int at = 0;
        for (Tensor t : model.stateDict().values()) {
            if (t.dtype() != DType.FLOAT32) continue;
            float[] part = t.toFloatArray();
            System.arraycopy(part, 0, v, at, part.length);
            at += part.length;
        }
        return new ModelWeights(layout, v);
    }

    /**
     * Writes these weights into {@code model}.
     *
     * @throws IllegalArgumentException if the model's layout differs, naming both
     */
    public void copyInto(Layer model) {
        WeightLayout mine = layoutOf(model);
        if (!mine.equals(layout)) {
            throw new IllegalArgumentException("weights of layout " + layout + " " + layout.names() + " do not fit model " + model.name()
                    + " of layout " + mine + " " + mine.names());
        }
        int at = 0;
        for (Tensor t : model.stateDict().values()) {
            if (t.dtype() != DType.FLOAT32) continue;
            int n = Math.toIntExact(t.numel());
            t.copyFrom(FloatBuffer.wrap(values, at, n));
            at += n;
        }
    }

    public WeightLayout layout() {
        return layout;
    }

    /** The values (not a copy). */
    public float[] values() {
        return values;
    }

    /** A deep copy. */
    public ModelWeights copy() {
        return new ModelWeights(layout, values.clone());
    }

    @Override
    public String toString() {
        return "ModelWeights(" + layout + ")";
    }
}
