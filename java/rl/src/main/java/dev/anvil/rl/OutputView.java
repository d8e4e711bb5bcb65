package dev.anvil.rl;

import dev.anvil.Tensor;
import java.nio.FloatBuffer;

/**
 * The float view of a layer's output tensor, made again only when the layer hands out a new
 * tensor: layers reuse their outputs, and a view per step would be an allocation per step.
 */
final class OutputView {
    private Tensor tensor;
    private FloatBuffer view;

    FloatBuffer of(Tensor t) {
        if (t != tensor || t.isClosed()) {
            tensor = t;
            view = t.floatBuffer();
        }
        return view;
    }
}
