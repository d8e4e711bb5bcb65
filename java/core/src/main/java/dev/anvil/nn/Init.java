package dev.anvil.nn;

import dev.anvil.Tensor;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Parameter initialisation. Layers draw from one process-wide generator, seeded with
 * {@link #manualSeed(long)} (like {@code torch.manual_seed}), so that the same seed and the same
 * sequence of layer constructions give the same model.
 */
public final class Init {
    private static SplittableRandom global = new SplittableRandom(0);

    private Init() {}

    /** Reseeds the generator that layer constructors draw from. */
    public static synchronized void manualSeed(long seed) {
        global = new SplittableRandom(seed);
    }

    /** A generator for one layer, split off the global one (for layers of other packages too, such as plug-in layers). */
    public static synchronized SplittableRandom next() {
        return global.split();
    }

    /**
     * PyTorch's default for Conv2d and Linear (kaiming_uniform with a = sqrt(5), and the same
     * bound for the bias): U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
     */
    public static void uniformFanIn(Tensor t, long fanIn, SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(fanIn);
        uniform(t, -bound, bound, rng);
    }

    public static void uniform(Tensor t, double lo, double hi, SplittableRandom rng) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        t.copyFrom(v);
    }
}
