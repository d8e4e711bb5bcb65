package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;

/**
 * Softmax cross-entropy between logits [batch, classes] and int32 class labels [batch], averaged
 * over the batch (PyTorch's {@code nn.CrossEntropyLoss} with the default mean reduction). A label
 * outside [0, classes) is an error naming the sample.
 */
public final class CrossEntropyLoss extends Loss {
    public CrossEntropyLoss() {
        super("CrossEntropyLoss");
    }

    @Override
    protected void check(Tensor logits, Tensor labels) {
        if (logits.dim() != 2 || logits.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected FLOAT32 logits [batch, classes], got "
                    + logits.dtype() + logits.shapeString());
        }
        if (labels.dim() != 1 || labels.dtype() != DType.INT32 || labels.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected INT32 labels [" + logits.size(0) + "] for logits "
                    + logits.shapeString() + ", got " + labels.dtype() + labels.shapeString());
        }
    }

    @Override
    protected float compute(Tensor logits, Tensor labels) {
        return Native.softmaxCrossEntropyForward(logits.device(), logits.size(0), logits.size(1), logits.address(), labels.address());
    }

    @Override
    protected void computeGradient(Tensor logits, Tensor labels, Tensor gradient) {
        Native.softmaxCrossEntropyBackward(logits.device(), logits.size(0), logits.size(1), logits.address(), labels.address(), 1f,
                gradient.address());
    }
}
