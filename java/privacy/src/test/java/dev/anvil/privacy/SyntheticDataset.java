package dev.anvil.privacy;

import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** 1x8x8 images: class k is a bright k-th row band plus noise; 5 classes. */
final class SyntheticDataset implements Dataset {
    private final int size;
    private final long seed;

    SyntheticDataset(int size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long[] sampleShape() {
        return new long[] {1, 8, 8};
    }

    @Override
    public int numClasses() {
        return 5;
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int k = label(index);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) dst.put((float) ((y == k || y == k + 1 ? 1.0 : 0.0) + 0.3 * r.nextGaussian()));
        }
    }

    @Override
    public int label(int index) {
        return index % 5;
    }
}
