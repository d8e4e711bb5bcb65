package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.Arrays;

/** A loss of anvil.h's {@code anvil_loss} family: element by element between float tensors of one shape. */
abstract class PointwiseLoss extends Loss {
    private final int kind;
    private final float param;

    /** {@code kind}: an {@code ANVIL_LOSS_*} constant; {@code param}: its beta or delta (ignored by the others). */
    PointwiseLoss(String name, int kind, float param) {
        super(name);
        this.kind = kind;
        this.param = param;
    }

    /** A beta or delta: finite and positive. */
    static float positive(String name, String what, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + ": " + what + " must be finite and > 0, got " + value);
        }
        return (float) value;
    }

    @Override
    protected final void check(Tensor input, Tensor target) {
        if (input.dtype() != DType.FLOAT32 || target.dtype() != DType.FLOAT32 || !Arrays.equals(Shapes.of(input), Shapes.of(target))
                || input.numel() == 0) {
            throw new IllegalArgumentException(this + ": expected FLOAT32 input and target of one non-empty shape, got input "
                    + input.dtype() + input.shapeString() + " and target " + target.dtype() + target.shapeString());
        }
    }

    @Override
    protected final float compute(Tensor input, Tensor target) {
        return Native.lossForward(input.device(), kind, param, input.numel(), input.address(), target.address());
    }

    @Override
    protected final void computeGradient(Tensor input, Tensor target, Tensor gradient) {
        Native.lossBackward(input.device(), kind, param, input.numel(), input.address(), target.address(), 1f, gradient.address());
    }
}
