package dev.anvil.privacy;

import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;

/**
 * A data set whose samples are standardised: (x - mean) / std for every value (torchvision's
 * {@code Normalize} with one channel). Fashion-MNIST's training-set statistics are
 * {@link #FASHION_MNIST_MEAN} and {@link #FASHION_MNIST_STD}.
 */
public final class NormalizedDataset implements Dataset {
    public static final double FASHION_MNIST_MEAN = 0.2860, FASHION_MNIST_STD = 0.3530;

    private final Dataset base;
    private final float mean, invStd;

    public NormalizedDataset(Dataset base, double mean, double std) {
        if (base == null) throw new IllegalArgumentException("data set is null");
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("mean must be finite, got " + mean);
        if (!(std > 0) || Double.isInfinite(std)) throw new IllegalArgumentException("std must be finite and > 0, got " + std);
        this.base = base;
        this.mean = (float) mean;
        this.invStd = (float) (1 / std);
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public long[] sampleShape() {
        return base.sampleShape();
    }

    @Override
    public int numClasses() {
        return base.numClasses();
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        int start = dst.position();
        base.read(index, dst);
        for (int i = start, end = dst.position(); i < end; i++) dst.put(i, (dst.get(i) - mean) * invStd);
    }

    @Override
    public int label(int index) {
        return base.label(index);
    }
}
