package dev.anvil.internal;

/**
 * The fields of {@code anvil_sgd_desc} in {@code anvil.h}, as a plain Java value that every
 * {@link Binding} copies into its native struct on each call. Accessors are named like the C fields
 * (getter: no argument; setter: one argument, returns this).
 */
public final class SgdDesc {
    private float lr;
    private float momentum;
    private float dampening;
    private float weightDecay;
    private int nesterov;
    private int reserved;

    public float lr() {
        return lr;
    }

    public SgdDesc lr(float v) {
        lr = v;
        return this;
    }

    public float momentum() {
        return momentum;
    }

    public SgdDesc momentum(float v) {
        momentum = v;
        return this;
    }

    public float dampening() {
        return dampening;
    }

    public SgdDesc dampening(float v) {
        dampening = v;
        return this;
    }

    public float weight_decay() {
        return weightDecay;
    }

    public SgdDesc weight_decay(float v) {
        weightDecay = v;
        return this;
    }

    public int nesterov() {
        return nesterov;
    }

    public SgdDesc nesterov(int v) {
        nesterov = v;
        return this;
    }

    public int reserved() {
        return reserved;
    }

    public SgdDesc reserved(int v) {
        reserved = v;
        return this;
    }
}
