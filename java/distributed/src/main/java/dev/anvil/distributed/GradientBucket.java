package dev.anvil.distributed;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Gradients of several parameters flattened into one tensor, so that one all-reduce moves them
 * all. The first bucket carries one more float: the rank's gradient weight, reduced with the
 * gradients so that every rank learns the total weight.
 */
final class GradientBucket implements AutoCloseable {
    private static final int TILE = 16 * 1024;

    private final List<Parameter> parameters;
    private final long gradientFloats;
    private final Tensor flat;
    private final boolean carriesWeight;
    private int pending;
    private Work work;

    GradientBucket(List<Parameter> parameters, boolean carriesWeight) {
        this.parameters = List.copyOf(parameters);
        this.gradientFloats = parameters.stream().mapToLong(Parameter::numel).sum();
        this.carriesWeight = carriesWeight;
        this.flat = Tensor.emptyUnscoped(DType.FLOAT32, gradientFloats + (carriesWeight ? 1 : 0));
    }

    /** Starts a backward pass: no gradient is ready yet. */
    void reset() {
        pending = parameters.size();
        work = null;
    }

    /** Counts one more parameter's gradient as final; true when that completes the bucket. */
    boolean markReady() {
        return --pending == 0;
    }

    boolean isReady() {
        return pending == 0;
    }

    boolean isLaunched() {
        return work != null;
    }

    /** Copies the gradients (zeros for a parameter without one) and {@code weight} in, and starts their all-reduce. */
    void launch(ProcessGroup group, float weight) {
        FloatBuffer dst = flat.floatBuffer();
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                dst.put(p.grad().floatBuffer());
            } else {
                for (long i = 0; i < p.numel(); i++) dst.put(0f);
            }
        }
        if (carriesWeight) dst.put(weight);
        work = group.allReduceAsync(flat, ReduceOp.SUM);
    }

    /** Waits for the all-reduce; null-safe for a bucket that was never launched. */
    void await() {
        if (work != null) work.await();
    }

    /** The total weight of all ranks, once the first bucket's all-reduce is complete. */
    float totalWeight() {
        return flat.floatBuffer().get((int) gradientFloats);
    }

    /** Writes the reduced sums divided by {@code totalWeight} into the parameters' gradients. */
    void unpack(float totalWeight) {
        FloatBuffer src = flat.floatBuffer();
        float[] tile = new float[TILE];
        for (Parameter p : parameters) {
            p.beginGradWrite();
            FloatBuffer dst = p.grad().floatBuffer();
            for (int start = 0, n = dst.limit(); start < n; start += TILE) {
                int len = Math.min(TILE, n - start);
                src.get(tile, 0, len);
                for (int i = 0; i < len; i++) tile[i] /= totalWeight;
                dst.put(tile, 0, len);
            }
        }
    }

    long bytes() {
        return flat.numel() * Float.BYTES;
    }

    List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public void close() {
        flat.close();
    }
}
