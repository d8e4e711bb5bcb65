package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.UseGuard;

/**
 * Softmax cross-entropy between logits [batch, classes] and int32 labels [batch], averaged over
 * the batch (PyTorch's {@code nn.CrossEntropyLoss} with the default mean reduction). Like a layer
 * it serves one thread at a time and keeps the tensors of its last forward pass allocated (see
 * {@link Tensor#retain}) until the next one, for backward.
 */
public final class CrossEntropyLoss implements AutoCloseable {
    private final UseGuard guard = new UseGuard();
    private Tensor logits;
    private Tensor labels;
    private Tensor gradient;

    /** The mean loss; remembers the inputs for {@link #backward()}. */
    public float forward(Tensor logits, Tensor labels) {
        guard.enter("CrossEntropyLoss", "forward");
        try {
            check(logits, labels);
            logits.retain();
            try {
                labels.retain();
            } catch (RuntimeException e) {
                logits.release();
                throw e;
            }
            releaseInputs();
            this.logits = logits;
            this.labels = labels;
            return Native.softmaxCrossEntropyForward(logits.device(), logits.size(0), logits.size(1), logits.address(),
                    labels.address());
        } finally {
            guard.exit();
        }
    }

    /** Gradient of the mean loss with respect to the logits of the last forward pass. */
    public Tensor backward() {
        guard.enter("CrossEntropyLoss", "backward");
        try {
            if (logits == null) throw new IllegalStateException("CrossEntropyLoss: backward() called before forward()");
            check(logits, labels);
            gradient = Layer.reuse(gradient, logits.device(), logits.shape());
            Native.softmaxCrossEntropyBackward(logits.device(), logits.size(0), logits.size(1), logits.address(), labels.address(),
                    1f, gradient.address());
            return gradient;
        } finally {
            guard.exit();
        }
    }

    private void releaseInputs() {
        if (logits != null) logits.release();
        if (labels != null) labels.release();
        logits = null;
        labels = null;
    }

    private static void check(Tensor logits, Tensor labels) {
        if (logits == null || labels == null) throw new IllegalArgumentException("CrossEntropyLoss: logits and labels are required");
        logits.checkOpen();
        labels.checkOpen();
        if (logits.dim() != 2 || logits.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected FLOAT32 logits [batch, classes], got "
                    + logits.dtype() + logits.shapeString());
        }
        if (!labels.device().equals(logits.device())) {
            throw new IllegalArgumentException("CrossEntropyLoss: logits are on " + logits.device() + " but labels on "
                    + labels.device());
        }
        if (labels.dim() != 1 || labels.dtype() != DType.INT32 || labels.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected INT32 labels [" + logits.size(0) + "] for logits "
                    + logits.shapeString() + ", got " + labels.dtype() + labels.shapeString());
        }
    }

    @Override
    public void close() {
        guard.enter("CrossEntropyLoss", "close");
        try {
            if (gradient != null) gradient.close();
            releaseInputs();
        } finally {
            guard.exit();
        }
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss";
    }
}
