package dev.anvil.vision;

import java.util.SplittableRandom;

/**
 * A map from image to image, for data augmentation and preprocessing; {@link Transforms} makes
 * them. Random transforms draw only from the {@code rng} they are given, so the same generator
 * state gives the same output (a dataset derives it from its seed and the sample, not from the
 * thread that reads it).
 */
@FunctionalInterface
public interface Transform {
    /** The transformed image; {@code image} is not changed. */
    Image apply(Image image, SplittableRandom rng);

    /**
     * The shape {@code {C, H, W}} of the output for an input of shape {@code in}; the default
     * keeps it. Throws IllegalArgumentException where the transform cannot take that input.
     */
    default long[] outputShape(long[] in) {
        return in.clone();
    }

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        return Transforms.compose(this, next);
    }
}
