package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.abi.Conv2dDesc;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import java.util.Arrays;

/**
 * 2-D convolution over NCHW input: weight [out, in/groups, kH, kW], optional bias [out].
 * Built like PyTorch's {@code nn.Conv2d}:
 * {@code Conv2d.builder(1, 32, 5).padding(2).build()}.
 */
public final class Conv2d extends WeightedLayer {
    /** See {@link #ghostNormWins}. */
    public static final double GHOST_WORK_RATIO = 1.0;
    /** The most output positions the native ghost norm takes (it holds two P x P matrices per sample). */
    public static final int MAX_GHOST_POSITIONS = 1 << 14;

    private final int inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, groups;
    private final Conv2dDesc desc = new Conv2dDesc();
    private Tensor input;
    private Tensor output;
    private Tensor inputGrad;

    private Conv2d(Builder b) {
        super("Conv2d", (long) (b.inChannels / b.groups) * b.kernelH * b.kernelW,
                new long[] {b.outChannels, b.inChannels / b.groups, b.kernelH, b.kernelW}, b.bias, b.outChannels);
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernelH = b.kernelH;
        this.kernelW = b.kernelW;
        this.strideH = b.strideH;
        this.strideW = b.strideW;
        this.padH = b.padH;
        this.padW = b.padW;
        this.dilationH = b.dilationH;
        this.dilationW = b.dilationW;
        this.groups = b.groups;
        desc.in_channels(inChannels).out_channels(outChannels).kernel_h(kernelH).kernel_w(kernelW)
                .stride_h(strideH).stride_w(strideW).pad_h(padH).pad_w(padW)
                .dilation_h(dilationH).dilation_w(dilationW).groups(groups);
    }

    /** A square-kernel convolution with stride 1, no padding, bias on. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(builder(inChannels, outChannels, kernel));
    }

    public static Builder builder(int inChannels, int outChannels, int kernel) {
        return new Builder(inChannels, outChannels, kernel, kernel);
    }

    public static Builder builder(int inChannels, int outChannels, int kernelH, int kernelW) {
        return new Builder(inChannels, outChannels, kernelH, kernelW);
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    /** {height, width} of the kernel. */
    public int[] kernelSize() {
        return new int[] {kernelH, kernelW};
    }

    /** {height, width} of the stride. */
    public int[] stride() {
        return new int[] {strideH, strideW};
    }

    /** {height, width} of the zero padding. */
    public int[] padding() {
        return new int[] {padH, padW};
    }

    /** {height, width} of the dilation. */
    public int[] dilation() {
        return new int[] {dilationH, dilationW};
    }

    public int groups() {
        return groups;
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(name() + ": expected a 4-D NCHW input, got shape " + shape(in));
        }
        if (in[1] != inChannels) {
            throw new IllegalArgumentException(name() + ": expected " + inChannels + " input channels, got shape "
                    + shape(in) + " (channel mismatch)");
        }
        long oh = outSize(in[2], kernelH, strideH, padH, dilationH);
        long ow = outSize(in[3], kernelW, strideW, padW, dilationW);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(name() + ": kernel " + kernelH + "x" + kernelW + " (dilation " + dilationH
                    + "x" + dilationW + ") is larger than the padded input " + (in[2] + 2L * padH) + "x"
                    + (in[3] + 2L * padW) + " of input shape " + shape(in));
        }
        return new long[] {in[0], outChannels, oh, ow};
    }

    /**
     * A convolution with bias that computes what this one followed by {@code bn} computes in
     * evaluation mode (PyTorch's fuse_conv_bn_eval): w' = w * scale, b' = b * scale + shift per
     * output channel; on this layer's device, in evaluation mode.
     */
    Conv2d foldedWith(BatchNorm2d bn) {
        if (bn.features() != outChannels) {
            throw new IllegalArgumentException(name() + ": cannot fold " + bn.name() + " of " + bn.features() + " channels into "
                    + outChannels + " output channels");
        }
        double[][] affine = bn.evalAffine();
        float[] w = weight().value().toFloatArray();
        float[] b = bias() == null ? new float[outChannels] : bias().value().toFloatArray();
        int perChannel = w.length / outChannels;
        for (int o = 0; o < outChannels; o++) {
            for (int i = 0; i < perChannel; i++) w[o * perChannel + i] = (float) (w[o * perChannel + i] * affine[0][o]);
            b[o] = (float) (b[o] * affine[0][o] + affine[1][o]);
        }
        Conv2d folded = new Builder(inChannels, outChannels, kernelH, kernelW).stride(strideH, strideW).padding(padH, padW)
                .dilation(dilationH, dilationW).groups(groups).bias(true).build();
        folded.weight().value().copyFrom(w);
        folded.bias().value().copyFrom(b);
        folded.eval();
        return folded.device().equals(device()) ? folded : (Conv2d) folded.to(device());
    }

    /**
     * dx = the gradient with respect to an input of dx's shape for output gradient {@code dy}, with
     * this layer's weights, as a function: no layer state is read or written (per-sample
     * gradients, for example). Written, not accumulated.
     */
    public void inputGradient(Tensor dy, Tensor dx) {
        Conv2dDesc d = functionalDesc("inputGradient", dx, dy);
        Native.conv2dBackwardData(dx.device(), d, dy.address(), weight().value().address(), dx.address());
    }

    /**
     * dw (and db, if not null) = the weight (and bias) gradient for input {@code x} and output
     * gradient {@code dy}, as a function: no layer state is read or written. Written, not accumulated.
     */
    public void weightGradient(Tensor x, Tensor dy, Tensor dw, Tensor db) {
        Conv2dDesc d = functionalDesc("weightGradient", x, dy);
        checkSame("weightGradient", dw, weight().value(), "dw");
        if (db != null && (db.dim() != 1 || db.size(0) != outChannels || !db.device().equals(x.device()) || db.dtype() != DType.FLOAT32)) {
            throw new IllegalArgumentException(name() + ".weightGradient: db must be FLOAT32 [" + outChannels + "] on " + x.device()
                    + ", got " + db.dtype() + db.shapeString());
        }
        Native.conv2dBackwardWeight(x.device(), d, x.address(), dy.address(), dw.address(), db == null ? 0 : db.address(), false);
    }

    /**
     * Adds each sample's squared weight-and-bias gradient norm to {@code sq} (FLOAT32 [batch] on x's device) for
     * input x and output gradient dy, natively in one call, by the method {@link #ghostNormWins} picks for this
     * layer's shape. For differential privacy; as a function: no layer state is read or written.
     */
    public void perSampleSquaredNorms(Tensor x, Tensor dy, Tensor sq) {
        perSampleSquaredNorms(x, dy, sq, ghostNormWins(x));
    }

    /**
     * {@link #perSampleSquaredNorms(Tensor, Tensor, Tensor)} by a chosen method: each sample's weight gradient formed
     * and its squares summed ({@code ghost} false), or the ghost norm, which never forms it ({@code ghost} true).
     */
    public void perSampleSquaredNorms(Tensor x, Tensor dy, Tensor sq, boolean ghost) {
        Conv2dDesc d = functionalDesc("perSampleSquaredNorms", x, dy);
        long batch = checkPerSampleNorms("perSampleSquaredNorms", x, Shapes.of(dy), dy, sq);
        if (batch == 0) return;
        Native.conv2dPerSampleSqNorms(x.device(), d, x.address(), dy.address(), bias() != null, ghost, sq.address());
    }

    /**
     * Whether the ghost norm is the faster per-sample norm for input x: when its work per sample, P^2 (K + O/g) for
     * P output positions and K = C/g kh kw taps, is at most {@value #GHOST_WORK_RATIO} times that of forming the
     * gradient, P K O/g (measured: docs/privacy.md).
     */
    public boolean ghostNormWins(Tensor x) {
        long[] out = checkInput(x);
        double p = (double) out[2] * out[3], k = (double) (inChannels / groups) * kernelH * kernelW, o = outChannels / groups;
        return p <= MAX_GHOST_POSITIONS && p * p * (k + o) <= GHOST_WORK_RATIO * p * k * o;
    }

    /** Checks an input-shaped tensor and an output gradient for it, and returns a descriptor of their batch. */
    private Conv2dDesc functionalDesc(String op, Tensor input, Tensor dy) {
        long[] out = checkInput(input);
        if (!dy.device().equals(input.device()) || dy.dtype() != DType.FLOAT32 || !Arrays.equals(Shapes.of(dy), out)) {
            throw new IllegalArgumentException(name() + "." + op + ": expected an output gradient FLOAT32" + shape(out) + " on "
                    + input.device() + " for input " + input.shapeString() + ", got " + dy.dtype() + dy.shapeString() + " on " + dy.device());
        }
        long[] in = Shapes.of(input);
        return new Conv2dDesc().batch(in[0]).in_channels(inChannels).in_h(in[2]).in_w(in[3]).out_channels(outChannels)
                .kernel_h(kernelH).kernel_w(kernelW).stride_h(strideH).stride_w(strideW).pad_h(padH).pad_w(padW)
                .dilation_h(dilationH).dilation_w(dilationW).groups(groups);
    }

    static long outSize(long in, int k, int stride, int pad, int dilation) {
        long room = in + 2L * pad - ((long) dilation * (k - 1) + 1);
        return room < 0 ? 0 : room / stride + 1;
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] outShape = checkInput(x);
        long[] in = Shapes.of(x);
        desc.batch(in[0]).in_h(in[2]).in_w(in[3]);
        output = reuse(output, x.device(), outShape);
        Native.conv2dForward(x.device(), desc, x.address(), weight().value().address(), biasAddress(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : Shapes.of(output));
        long[] in = Shapes.of(input);
        desc.batch(in[0]).in_h(in[2]).in_w(in[3]);
        Native.conv2dBackwardWeight(dy.device(), desc, input.address(), dy.address(), weight().grad().address(), biasGradAddress(),
                beginGradWrite());
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), in);
        Native.conv2dBackwardData(dy.device(), desc, dy.address(), weight().value().address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
    }

    @Override
    protected String describe() {
        return kind() + "(" + inChannels + ", " + outChannels + ", kernel=" + kernelH + "x" + kernelW + ", stride=" + strideH
                + "x" + strideW + ", padding=" + padH + "x" + padW + (dilationH != 1 || dilationW != 1
                        ? ", dilation=" + dilationH + "x" + dilationW : "")
                + (groups != 1 ? ", groups=" + groups : "") + (bias() == null ? ", bias=false" : "") + ")";
    }

    /** Options of a {@link Conv2d}, with PyTorch's defaults. */
    public static final class Builder {
        private final int inChannels, outChannels, kernelH, kernelW;
        private int strideH = 1, strideW = 1, padH, padW, dilationH = 1, dilationW = 1, groups = 1;
        private boolean bias = true;
        private String paddingMode;  // "same" or "valid" when given by name

        private Builder(int inChannels, int outChannels, int kernelH, int kernelW) {
            this.inChannels = positive(inChannels, "inChannels");
            this.outChannels = positive(outChannels, "outChannels");
            this.kernelH = positive(kernelH, "kernel height");
            this.kernelW = positive(kernelW, "kernel width");
        }

        public Builder stride(int s) {
            return stride(s, s);
        }

        public Builder stride(int h, int w) {
            strideH = positive(h, "stride");
            strideW = positive(w, "stride");
            return this;
        }

        public Builder padding(int p) {
            return padding(p, p);
        }

        public Builder padding(int h, int w) {
            padH = nonNegative(h, "padding");
            padW = nonNegative(w, "padding");
            paddingMode = null;
            return this;
        }

        /**
         * PyTorch's string padding: "valid" (none) or "same" (the output as large as the input;
         * stride 1 only, as in PyTorch, and here only where the dilated kernel's extent is odd, so
         * that the padding is symmetric).
         */
        public Builder padding(String mode) {
            if (!"same".equals(mode) && !"valid".equals(mode)) {
                throw new IllegalArgumentException("Conv2d: padding must be 'same', 'valid' or a number, got '" + mode + "'");
            }
            paddingMode = mode;
            return this;
        }

        public Builder dilation(int d) {
            return dilation(d, d);
        }

        public Builder dilation(int h, int w) {
            dilationH = positive(h, "dilation");
            dilationW = positive(w, "dilation");
            return this;
        }

        public Builder groups(int g) {
            groups = positive(g, "groups");
            return this;
        }

        public Builder bias(boolean on) {
            bias = on;
            return this;
        }

        public Conv2d build() {
            if ("valid".equals(paddingMode)) {
                padH = padW = 0;
            } else if ("same".equals(paddingMode)) {
                if (strideH != 1 || strideW != 1) {
                    throw new IllegalArgumentException("Conv2d: padding='same' is not supported for strided convolutions (stride "
                            + strideH + "x" + strideW + "), as in PyTorch");
                }
                int spanH = dilationH * (kernelH - 1), spanW = dilationW * (kernelW - 1);
                if (spanH % 2 != 0 || spanW % 2 != 0) {
                    throw new IllegalArgumentException("Conv2d: padding='same' with kernel " + kernelH + "x" + kernelW + " and dilation "
                            + dilationH + "x" + dilationW + " needs uneven padding, which is not supported: use an odd kernel");
                }
                padH = spanH / 2;
                padW = spanW / 2;
            }
            if (inChannels % groups != 0 || outChannels % groups != 0) {
                throw new IllegalArgumentException("Conv2d: inChannels " + inChannels + " and outChannels " + outChannels
                        + " must both be divisible by groups " + groups);
            }
            return new Conv2d(this);
        }
    }

    static int positive(int v, String what) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v);
        return v;
    }

    static int nonNegative(int v, String what) {
        if (v < 0) throw new IllegalArgumentException(what + " must be >= 0, got " + v);
        return v;
    }
}
