package dev.anvil.nn;

/** Batch normalisation of [N, C, H, W] input over N, H and W per channel (PyTorch's BatchNorm2d). */
public final class BatchNorm2d extends BatchNorm {
    /** eps 1e-5, momentum 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm2d(int features) {
        this(features, 1e-5, 0.1, true, true);
    }

    public BatchNorm2d(int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm2d", features, eps, momentum, affine, trackRunningStats);
    }

    @Override
    long spatial(long[] in) {
        if (in.length != 4 || in[1] != features()) {
            throw new IllegalArgumentException(name() + ": expected input [batch, " + features() + ", height, width], got shape "
                    + shape(in));
        }
        return in[2] * in[3];
    }
}
