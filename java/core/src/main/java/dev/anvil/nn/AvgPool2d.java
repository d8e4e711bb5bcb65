package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.internal.Native;

/** Average pooling over NCHW planes (PyTorch's {@code count_include_pad} semantics). */
public final class AvgPool2d extends Pool2d {
    private final boolean countIncludePad;

    /** Square window, stride equal to the window, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0, true);
    }

    public AvgPool2d(int kernel, int stride, int padding, boolean countIncludePad) {
        this(kernel, stride, padding, false, countIncludePad);
    }

    /** PyTorch's argument order: {@code AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad)}. */
    public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this(kernel, kernel, stride, stride, padding, padding, ceilMode, countIncludePad);
    }

    public AvgPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {
        this(kernelH, kernelW, strideH, strideW, padH, padW, false, countIncludePad);
    }

    public AvgPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode, boolean countIncludePad) {
        super("AvgPool2d", kernelH, kernelW, strideH, strideW, padH, padW, ceilMode);
        this.countIncludePad = countIncludePad;
        desc.count_include_pad(countIncludePad ? 1 : 0);
    }

    @Override
    protected Tensor doForward(Tensor x) {
        Tensor y = prepareForward(x);
        Native.avgPool2dForward(x.device(), desc, x.address(), y.address());
        input = isTraining() ? x : null;
        return y;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        Tensor dx = prepareBackward(dy);
        if (!needInputGrad) return null;
        Native.avgPool2dBackward(dy.device(), desc, dy.address(), dx.address());
        return dx;
    }

    @Override
    protected String describe() {
        return super.describe().replace(")", countIncludePad ? ")" : ", countIncludePad=false)");
    }
}
