package dev.anvil.internal;

import dev.anvil.Tensor;
import java.util.Objects;
import java.util.function.Function;

/**
 * A tensor's own shape array, without the copy {@link Tensor#shape()} makes: for core's layers,
 * which check shapes on every call and must not allocate per step. The array must never be
 * modified.
 */
public final class Shapes {
    private static volatile Function<Tensor, long[]> access;

    private Shapes() {}

    /** Called once by {@link Tensor}'s static initialiser. */
    public static void register(Function<Tensor, long[]> shapeOf) {
        if (access != null) throw new IllegalStateException("Shapes: access already registered");
        access = Objects.requireNonNull(shapeOf);
    }

    /** The shape of {@code t}, shared with it: read it, never write it. */
    public static long[] of(Tensor t) {
        return access.apply(t);
    }
}
