package dev.anvil.nn;

import dev.anvil.Tensor;
import dev.anvil.abi.Pool2dDesc;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;

/**
 * Average pooling to a fixed output size (PyTorch's {@code AdaptiveAvgPool2d}); output 1x1 is the
 * global average pooling of ResNets. Where the input size is a multiple of the output size every
 * window has the same size (in / out) and this equals PyTorch's; other sizes are refused.
 */
public final class AdaptiveAvgPool2d extends Layer {
    private final int outH, outW;
    private final Pool2dDesc desc = new Pool2dDesc().count_include_pad(1);
    private Tensor input, output, inputGrad;

    /** A square output, {@code size} x {@code size}. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        super("AdaptiveAvgPool2d");
        this.outH = Conv2d.positive(outH, "output height");
        this.outW = Conv2d.positive(outW, "output width");
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) throw new IllegalArgumentException(name() + ": expected a 4-D NCHW input, got shape " + shape(in));
        if (in[2] % outH != 0 || in[3] % outW != 0) {
            throw new IllegalArgumentException(name() + ": input " + in[2] + "x" + in[3] + " of shape " + shape(in)
                    + " is not a multiple of the output size " + outH + "x" + outW);
        }
        return new long[] {in[0], in[1], outH, outW};
    }

    private void describe(long[] in) {
        long kh = in[2] / outH, kw = in[3] / outW;
        desc.batch(in[0]).channels(in[1]).in_h(in[2]).in_w(in[3]).kernel_h(kh).kernel_w(kw).stride_h(kh).stride_w(kw);
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] outShape = checkInput(x);
        describe(Shapes.of(x));
        output = reuse(output, x.device(), outShape);
        Native.avgPool2dForward(x.device(), desc, x.address(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        if (!needInputGrad) return null;
        describe(Shapes.of(input));
        inputGrad = reuse(inputGrad, dy.device(), Shapes.of(input));
        Native.avgPool2dBackward(dy.device(), desc, dy.address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(" + outH + "x" + outW + ")";
    }
}
