package dev.anvil.ops;

import dev.anvil.abi.Pool2dDesc;

/** The geometry of one pooling case; {@link #desc()} gives the native descriptor (a plain value). */
record PoolGeom(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {

    /** Square window, equal stride and padding in both directions. */
    static PoolGeom of(int n, int c, int h, int w, int k, int stride, int pad, boolean countIncludePad) {
        return new PoolGeom(n, c, h, w, k, k, stride, stride, pad, pad, countIncludePad);
    }

    int oh() {
        return (h + 2 * ph - kh) / sh + 1;
    }

    int ow() {
        return (w + 2 * pw - kw) / sw + 1;
    }

    int xSize() {
        return n * c * h * w;
    }

    int ySize() {
        return n * c * oh() * ow();
    }

    long[] xShape() {
        return new long[] {n, c, h, w};
    }

    long[] yShape() {
        return new long[] {n, c, oh(), ow()};
    }

    Pool2dDesc desc() {
        return new Pool2dDesc().batch(n).channels(c).in_h(h).in_w(w).kernel_h(kh).kernel_w(kw).stride_h(sh)
                .stride_w(sw).pad_h(ph).pad_w(pw).count_include_pad(countIncludePad ? 1 : 0);
    }

    @Override
    public String toString() {
        return n + "x" + c + "x" + h + "x" + w + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " p" + ph + "x" + pw
                + (countIncludePad ? " include-pad" : "");
    }
}
