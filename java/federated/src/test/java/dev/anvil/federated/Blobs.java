package dev.anvil.federated;

import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** A synthetic classification set: Gaussian blobs around one centre per class, seeded. */
public final class Blobs implements Dataset {
    private final float[][] x;
    private final int[] y;
    private final int features, classes;

    public Blobs(int n, int features, int classes, long seed) {
        this.features = features;
        this.classes = classes;
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] centres = new double[classes][features];
        for (double[] c : centres) for (int f = 0; f < features; f++) c[f] = rng.nextGaussian() * 2;
        x = new float[n][features];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int f = 0; f < features; f++) x[i][f] = (float) (centres[y[i]][f] + rng.nextGaussian());
        }
    }

    @Override
    public int size() {
        return y.length;
    }

    @Override
    public long[] sampleShape() {
        return new long[] {features};
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public void read(int index, FloatBuffer dst) {
        dst.put(x[index]);
    }

    @Override
    public int label(int index) {
        return y[index];
    }
}
