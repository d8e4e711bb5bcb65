package dev.anvil.internal;

/**
 * The fields of {@code anvil_linear_desc} in {@code anvil.h}, as a plain Java value that every
 * {@link Binding} copies into its native struct on each call. Accessors are named like the C fields
 * (getter: no argument; setter: one argument, returns this).
 */
public final class LinearDesc {
    private long batch;
    private long inFeatures;
    private long outFeatures;

    public long batch() {
        return batch;
    }

    public LinearDesc batch(long v) {
        batch = v;
        return this;
    }

    public long in_features() {
        return inFeatures;
    }

    public LinearDesc in_features(long v) {
        inFeatures = v;
        return this;
    }

    public long out_features() {
        return outFeatures;
    }

    public LinearDesc out_features(long v) {
        outFeatures = v;
        return this;
    }
}
