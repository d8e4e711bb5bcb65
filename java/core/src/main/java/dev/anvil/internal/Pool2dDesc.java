package dev.anvil.internal;

/**
 * The fields of {@code anvil_pool2d_desc} in {@code anvil.h}, as a plain Java value that every
 * {@link Binding} copies into its native struct on each call. Accessors are named like the C fields
 * (getter: no argument; setter: one argument, returns this).
 */
public final class Pool2dDesc {
    private long batch;
    private long channels;
    private long inH;
    private long inW;
    private long kernelH;
    private long kernelW;
    private long strideH;
    private long strideW;
    private long padH;
    private long padW;
    private int countIncludePad;
    private int reserved;

    public long batch() {
        return batch;
    }

    public Pool2dDesc batch(long v) {
        batch = v;
        return this;
    }

    public long channels() {
        return channels;
    }

    public Pool2dDesc channels(long v) {
        channels = v;
        return this;
    }

    public long in_h() {
        return inH;
    }

    public Pool2dDesc in_h(long v) {
        inH = v;
        return this;
    }

    public long in_w() {
        return inW;
    }

    public Pool2dDesc in_w(long v) {
        inW = v;
        return this;
    }

    public long kernel_h() {
        return kernelH;
    }

    public Pool2dDesc kernel_h(long v) {
        kernelH = v;
        return this;
    }

    public long kernel_w() {
        return kernelW;
    }

    public Pool2dDesc kernel_w(long v) {
        kernelW = v;
        return this;
    }

    public long stride_h() {
        return strideH;
    }

    public Pool2dDesc stride_h(long v) {
        strideH = v;
        return this;
    }

    public long stride_w() {
        return strideW;
    }

    public Pool2dDesc stride_w(long v) {
        strideW = v;
        return this;
    }

    public long pad_h() {
        return padH;
    }

    public Pool2dDesc pad_h(long v) {
        padH = v;
        return this;
    }

    public long pad_w() {
        return padW;
    }

    public Pool2dDesc pad_w(long v) {
        padW = v;
        return this;
    }

    public int count_include_pad() {
        return countIncludePad;
    }

    public Pool2dDesc count_include_pad(int v) {
        countIncludePad = v;
        return this;
    }

    public int reserved() {
        return reserved;
    }

    public Pool2dDesc reserved(int v) {
        reserved = v;
        return this;
    }
}
