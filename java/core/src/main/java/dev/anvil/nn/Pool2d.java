package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.abi.Pool2dDesc;
import dev.anvil.internal.Shapes;

/** What max and average pooling share: window geometry, shape checks and buffers. */
abstract class Pool2d extends Layer {
    final int kernelH, kernelW, strideH, strideW, padH, padW;
    final boolean ceilMode;
    final Pool2dDesc desc = new Pool2dDesc();
    Tensor input;
    Tensor output;
    Tensor inputGrad;

    Pool2d(String name, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode) {
        super(name);
        this.ceilMode = ceilMode;
        this.kernelH = Conv2d.positive(kernelH, "kernel");
        this.kernelW = Conv2d.positive(kernelW, "kernel");
        this.strideH = Conv2d.positive(strideH, "stride");
        this.strideW = Conv2d.positive(strideW, "stride");
        this.padH = Conv2d.nonNegative(padH, "padding");
        this.padW = Conv2d.nonNegative(padW, "padding");
        if (2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException(name + ": padding " + padH + "x" + padW + " must be at most half of the kernel "
                    + kernelH + "x" + kernelW);
        }
        desc.kernel_h(kernelH).kernel_w(kernelW).stride_h(strideH).stride_w(strideW).pad_h(padH).pad_w(padW).ceil_mode(ceilMode ? 1 : 0);
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(name() + ": expected a 4-D NCHW input, got shape " + shape(in));
        }
        long oh = outSize(in[2], kernelH, strideH, padH, ceilMode);
        long ow = outSize(in[3], kernelW, strideW, padW, ceilMode);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(name() + ": kernel " + kernelH + "x" + kernelW + " is larger than the padded input "
                    + (in[2] + 2L * padH) + "x" + (in[3] + 2L * padW) + " of input shape " + shape(in));
        }
        return new long[] {in[0], in[1], oh, ow};
    }

    /**
     * PyTorch's pooling output size: the division rounds up with ceil_mode, but a last window that
     * would start beyond the input and its left padding is dropped; 0 when the window does not fit.
     */
    static long outSize(long in, int k, int stride, int pad, boolean ceilMode) {
        long room = in + 2L * pad - k;
        if (room < 0) return 0;
        long out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    /** Validates x, sizes the descriptor and the output buffer. */
    final Tensor prepareForward(Tensor x) {
        long[] outShape = checkInput(x);
        long[] in = Shapes.of(x);
        desc.batch(in[0]).channels(in[1]).in_h(in[2]).in_w(in[3]);
        output = reuse(output, x.device(), outShape);
        return output;
    }

    /** Validates dy against the last forward pass and sizes the input-gradient buffer. */
    final Tensor prepareBackward(Tensor dy) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        long[] in = Shapes.of(input);
        desc.batch(in[0]).channels(in[1]).in_h(in[2]).in_w(in[3]);
        inputGrad = reuse(inputGrad, dy.device(), in);
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(kernel=" + kernelH + "x" + kernelW + ", stride=" + strideH + "x" + strideW
                + (padH != 0 || padW != 0 ? ", padding=" + padH + "x" + padW : "") + (ceilMode ? ", ceil_mode" : "") + ")";
    }
}
