package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;

/** Max pooling over NCHW planes; the forward pass records each maximum's position for backward. */
public final class MaxPool2d extends Pool2d {
    /**
     * The position of each maximum in its window, one byte each for windows of up to 256 elements
     * (else four: anvil_maxpool2d_index_bytes), held in whole int32 words.
     */
    private Tensor argmax;
    private long[] argmaxShape = {0}; // [int32 words] of argmax, made again when the size changes

    /** Square window, stride equal to the window, no padding (PyTorch's defaults). */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this(kernel, stride, padding, false);
    }

    /** With {@code ceilMode}, output sizes round up as PyTorch's {@code ceil_mode=True}. */
    public MaxPool2d(int kernel, int stride, int padding, boolean ceilMode) {
        this(kernel, kernel, stride, stride, padding, padding, ceilMode);
    }

    public MaxPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        this(kernelH, kernelW, strideH, strideW, padH, padW, false);
    }

    public MaxPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode) {
        super("MaxPool2d", kernelH, kernelW, strideH, strideW, padH, padW, ceilMode);
    }

    @Override
    protected Tensor doForward(Tensor x) {
        Tensor y = prepareForward(x);
        if (isTraining()) {
            long words = (y.numel() * Native.maxPool2dIndexBytes(desc) + 3) / 4;
            if (argmaxShape[0] != words) argmaxShape = new long[] {words};
            argmax = reuse(argmax, x.device(), DType.INT32, argmaxShape);
            Native.maxPool2dForward(x.device(), desc, x.address(), y.address(), argmax.address());
            input = x;
        } else {
            Native.maxPool2dForward(x.device(), desc, x.address(), y.address(), 0);
            input = null;
        }
        return y;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        Tensor dx = prepareBackward(dy);
        if (!needInputGrad) return null;
        Native.maxPool2dBackward(dy.device(), desc, dy.address(), argmax.address(), dx.address());
        return dx;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(argmax);
        super.releaseBuffers();
    }
}
