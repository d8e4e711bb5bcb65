package dev.anvil.internal;

/**
 * The fields of {@code anvil_conv2d_desc} in {@code anvil.h}, as a plain Java value that every
 * {@link Binding} copies into its native struct on each call. Accessors are named like the C fields
 * (getter: no argument; setter: one argument, returns this).
 */
public final class Conv2dDesc {
    private long batch;
    private long inChannels;
    private long inH;
    private long inW;
    private long outChannels;
    private long kernelH;
    private long kernelW;
    private long strideH;
    private long strideW;
    private long padH;
    private long padW;
    private long dilationH;
    private long dilationW;
    private long groups;

    public long batch() {
        return batch;
    }

    public Conv2dDesc batch(long v) {
        batch = v;
        return this;
    }

    public long in_channels() {
        return inChannels;
    }

    public Conv2dDesc in_channels(long v) {
        inChannels = v;
        return this;
    }

    public long in_h() {
        return inH;
    }

    public Conv2dDesc in_h(long v) {
        inH = v;
        return this;
    }

    public long in_w() {
        return inW;
    }

    public Conv2dDesc in_w(long v) {
        inW = v;
        return this;
    }

    public long out_channels() {
        return outChannels;
    }

    public Conv2dDesc out_channels(long v) {
        outChannels = v;
        return this;
    }

    public long kernel_h() {
        return kernelH;
    }

    public Conv2dDesc kernel_h(long v) {
        kernelH = v;
        return this;
    }

    public long kernel_w() {
        return kernelW;
    }

    public Conv2dDesc kernel_w(long v) {
        kernelW = v;
        return this;
    }

    public long stride_h() {
        return strideH;
    }

    public Conv2dDesc stride_h(long v) {
        strideH = v;
        return this;
    }

    public long stride_w() {
        return strideW;
    }

    public Conv2dDesc stride_w(long v) {
        strideW = v;
        return this;
    }

    public long pad_h() {
        return padH;
    }

    public Conv2dDesc pad_h(long v) {
        padH = v;
        return this;
    }

    public long pad_w() {
        return padW;
    }

    public Conv2dDesc pad_w(long v) {
        padW = v;
        return this;
    }

    public long dilation_h() {
        return dilationH;
    }

    public Conv2dDesc dilation_h(long v) {
        dilationH = v;
        return this;
    }

    public long dilation_w() {
        return dilationW;
    }

    public Conv2dDesc dilation_w(long v) {
        dilationW = v;
        return this;
    }

    public long groups() {
        return groups;
    }

    public Conv2dDesc groups(long v) {
        groups = v;
        return this;
    }
}
