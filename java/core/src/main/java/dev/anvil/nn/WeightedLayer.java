package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Shapes;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A layer with a weight and an optional bias (Conv2d, Linear), both initialised as PyTorch does:
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
public abstract class WeightedLayer extends Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final long fanIn;

    WeightedLayer(String name, long fanIn, long[] weightShape, boolean hasBias, long biasSize) {
        super(name);
        this.fanIn = fanIn;
        this.weight = new Parameter("weight", weightShape);
        this.bias = hasBias ? new Parameter("bias", biasSize) : null;
        resetOwnParameters(Init.next());
    }

    public final Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public final Parameter bias() {
        return bias;
    }

    @Override
    protected final List<Parameter> ownParameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    protected final void resetOwnParameters(SplittableRandom rng) {
        Init.uniformFanIn(weight.value(), fanIn, rng);
        if (bias != null) Init.uniformFanIn(bias.value(), fanIn, rng);
    }

    /** Native address of the bias, or 0 without one. */
    final long biasAddress() {
        return bias == null ? 0 : bias.value().address();
    }

    /** Native address of the bias gradient, or 0 without a bias. */
    final long biasGradAddress() {
        return bias == null ? 0 : bias.grad().address();
    }

    /**
     * Starts the backward pass's write of both gradients, which the kernels produce together;
     * returns whether they add to the existing gradients (see {@link Parameter#beginGradWrite}).
     */
    final boolean beginGradWrite() {
        boolean accumulate = weight.beginGradWrite();
        if (bias != null && bias.beginGradWrite() != accumulate) {
            throw new IllegalStateException(name() + ": weight and bias gradients were zeroed separately");
        }
        return accumulate;
    }

    /** Throws unless {@code t} has the dtype, shape and device of {@code like}, naming the layer, the operation and {@code what}. */
    protected final void checkSame(String op, Tensor t, Tensor like, String what) {
        if (t == null || t.dtype() != like.dtype() || !t.device().equals(like.device()) || !java.util.Arrays.equals(Shapes.of(t), Shapes.of(like))) {
            throw new IllegalArgumentException(name() + "." + op + ": " + what + " must be " + like.dtype() + like.shapeString() + " on "
                    + like.device() + ", got " + (t == null ? "null" : t.dtype() + t.shapeString() + " on " + t.device()));
        }
    }
}
