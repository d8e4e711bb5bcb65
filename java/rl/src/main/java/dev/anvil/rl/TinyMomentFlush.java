package dev.anvil.rl;

import dev.anvil.Tensor;
import dev.anvil.optim.Optimizer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets an optimizer's state values below 1e-30 in magnitude to zero. Adam's moments of weights
 * whose gradient is zero (the inputs of ReLUs that stay off, common in a DQN) decay geometrically
 * into the subnormal floats and stay there for thousands of steps; arithmetic on subnormals is
 * slow: profiling DQN updates on this machine (perf), the native Adam step took 12.7% of the
 * time with them and 4.5% without, and the update 11% less time. PyTorch offers
 * {@code torch.set_flush_denormal} for the same reason.
 * The change to the updates is far below float precision: a first moment under 1e-30 moves a
 * weight by less than {@code lr * 1e-30 / eps = 1e-22 lr}, and a second moment under 1e-30 changes
 * the denominator {@code sqrt(v) + eps} by less than 1e-7 of itself.
 */
final class TinyMomentFlush {
    private static final float TINY = 1e-30f;
    private final FloatBuffer[] state;

    TinyMomentFlush(Optimizer optimizer) {
        List<FloatBuffer> views = new ArrayList<>();
        for (int i = 0; i < optimizer.parameters().size(); i++) {
            for (Tensor t : optimizer.stateOf(i).values()) views.add(t.floatBuffer());
        }
        state = views.toArray(new FloatBuffer[0]);
    }

    void flush() {
        for (FloatBuffer b : state) {
            for (int i = 0, n = b.capacity(); i < n; i++) {
                if (Math.abs(b.get(i)) < TINY) b.put(i, 0f);
            }
        }
    }
}
