package dev.anvil.ops;

import dev.anvil.abi.Conv2dDesc;

/** The geometry of one conv2d case; {@link #desc()} gives the native descriptor (a plain value). */
record ConvGeom(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
        int groups) {

    /** Square kernel, equal stride, padding and dilation in both directions. */
    static ConvGeom of(int n, int c, int h, int w, int o, int k, int stride, int pad, int dilation, int groups) {
        return new ConvGeom(n, c, h, w, o, k, k, stride, stride, pad, pad, dilation, dilation, groups);
    }

    int oh() {
        return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    }

    int ow() {
        return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    }

    int xSize() {
        return n * c * h * w;
    }

    int wSize() {
        return o * (c / groups) * kh * kw;
    }

    int ySize() {
        return n * o * oh() * ow();
    }

    long[] xShape() {
        return new long[] {n, c, h, w};
    }

    long[] wShape() {
        return new long[] {o, c / groups, kh, kw};
    }

    long[] yShape() {
        return new long[] {n, o, oh(), ow()};
    }

    Conv2dDesc desc() {
        return new Conv2dDesc().batch(n).in_channels(c).in_h(h).in_w(w).out_channels(o).kernel_h(kh).kernel_w(kw)
                .stride_h(sh).stride_w(sw).pad_h(ph).pad_w(pw).dilation_h(dh).dilation_w(dw).groups(groups);
    }

    @Override
    public String toString() {
        return n + "x" + c + "x" + h + "x" + w + "->" + o + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " p" + ph + "x"
                + pw + " d" + dh + "x" + dw + " g" + groups;
    }
}
