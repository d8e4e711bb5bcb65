package dev.anvil.federated.partition;

import java.util.SplittableRandom;

/** Seeded shuffling and the Gamma/Dirichlet draws of the partitioners. */
final class Shuffle {
    private Shuffle() {}

    static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p, rng);
        return p;
    }

    /** Fisher-Yates in place. */
    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A Gamma(shape, 1) draw by Marsaglia and Tsang (2000), boosted by U^(1/shape) below shape 1. */
    static double gamma(double shape, SplittableRandom rng) {
        if (shape < 1) {
            double u = rng.nextDouble();
            return gamma(shape + 1, rng) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
        }
    }

    /** A draw from the symmetric Dirichlet(alpha, ..., alpha) of dimension {@code k}. */
    static double[] dirichlet(double alpha, int k, SplittableRandom rng) {
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = gamma(alpha, rng);
            sum += p[i];
        }
        if (sum == 0) { // every draw underflowed (alpha tiny): all mass on one at random
            p[rng.nextInt(k)] = 1;
            return p;
        }
        for (int i = 0; i < k; i++) p[i] /= sum;
        return p;
    }
}
