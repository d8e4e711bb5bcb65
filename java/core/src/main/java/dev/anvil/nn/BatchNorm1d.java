package dev.anvil.nn;

/** Batch normalisation of [N, C] or [N, C, L] input over N (and L) per channel (PyTorch's BatchNorm1d). */
public final class BatchNorm1d extends BatchNorm {
    /** eps 1e-5, momentum 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm1d(int features) {
        this(features, 1e-5, 0.1, true, true);
    }

    public BatchNorm1d(int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm1d", features, eps, momentum, affine, trackRunningStats);
    }

    @Override
    long spatial(long[] in) {
        if ((in.length != 2 && in.length != 3) || in[1] != features()) {
            throw new IllegalArgumentException(name() + ": expected input [batch, " + features() + "] or [batch, " + features()
                    + ", length], got shape " + shape(in));
        }
        return in.length == 3 ? in[2] : 1;
    }
}
