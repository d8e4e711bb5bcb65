package dev.anvil.internal;

/**
 * The fields of {@code anvil_adam_desc} in {@code anvil.h}, as a plain Java value that every
 * {@link Binding} copies into its native struct on each call. Accessors are named like the C fields
 * (getter: no argument; setter: one argument, returns this).
 */
public final class AdamDesc {
    private float lr;
    private float beta1;
    private float beta2;
    private float eps;
    private float weightDecay;
    private int decoupled;

    public float lr() {
        return lr;
    }

    public AdamDesc lr(float v) {
        lr = v;
        return this;
    }

    public float beta1() {
        return beta1;
    }

    public AdamDesc beta1(float v) {
        beta1 = v;
        return this;
    }

    public float beta2() {
        return beta2;
    }

    public AdamDesc beta2(float v) {
        beta2 = v;
        return this;
    }

    public float eps() {
        return eps;
    }

    public AdamDesc eps(float v) {
        eps = v;
        return this;
    }

    public float weight_decay() {
        return weightDecay;
    }

    public AdamDesc weight_decay(float v) {
        weightDecay = v;
        return this;
    }

    public int decoupled() {
        return decoupled;
    }

    public AdamDesc decoupled(int v) {
        decoupled = v;
        return this;
    }
}
