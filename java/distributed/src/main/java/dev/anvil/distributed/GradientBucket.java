package dev.anvil.distributed;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.util.List;

/**
 * Gradients of several parameters flattened into one tensor, so that one all-reduce moves them
 * all. The first bucket carries one more float: the rank's gradient weight, reduced with the
 * gradients so that every rank learns the total weight.
 */
final class GradientBucket implements AutoCloseable {
    private final List<Parameter> parameters;
    private final FlatParameters buffer;
    private final Tensor flat;
    private final Tensor weightSlot; // the view of flat's last float, in the first bucket
    private final Tensor weightOnHost; // the first bucket's weight, read back from the device
    private final boolean carriesWeight;
    private int pending;
    private Work work;

    GradientBucket(List<Parameter> parameters, boolean carriesWeight) {
        this.parameters = List.copyOf(parameters);
        this.carriesWeight = carriesWeight;
        this.buffer = new FlatParameters(parameters, carriesWeight ? 1 : 0, "DistributedDataParallel");
        this.flat = buffer.flat();
        this.weightOnHost = carriesWeight ? Tensor.emptyUnscoped(DType.FLOAT32, 1) : null;
        this.weightSlot = carriesWeight ? flat.narrow(0, buffer.parameterFloats(), 1) : null;
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

    /**
     * Copies the gradients (zeros for a parameter without one) and {@code weight} in, on the
     * parameters' device, and starts their all-reduce.
     */
    void launch(ProcessGroup group, float weight) {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            if (p.hasGrad()) {
                buffer.slot(i).copyFrom(p.grad());
            } else {
                buffer.slot(i).zero();
            }
        }
        if (carriesWeight) weightSlot.fill(weight);
        work = group.allReduceAsync(flat, ReduceOp.SUM);
    }

    /** Waits for the all-reduce; null-safe for a bucket that was never launched. */
    void await() {
        if (work != null) work.await();
    }

    /** The total weight of all ranks, once the first bucket's all-reduce is complete. */
    float totalWeight() {
        return weightOnHost.copyFrom(weightSlot).floatBuffer().get(0);
    }

    /** Writes the reduced sums divided by {@code totalWeight} into the parameters' gradients. */
    void unpack(float totalWeight) {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            p.beginGradWrite();
            p.grad().copyFrom(buffer.slot(i)).scale(1f / totalWeight);
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
        buffer.close();
        if (weightOnHost != null) weightOnHost.close();
    }
}
