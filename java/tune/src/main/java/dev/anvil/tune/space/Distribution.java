package dev.anvil.tune.space;

/**
 * The values one parameter may take. Every distribution maps its values onto the unit interval
 * ({@link #toUnit}, {@link #fromUnit}) so that samplers that work in a box (random search, the
 * genetic algorithm, CMA-ES, the Gaussian process) treat all parameters alike; a uniform draw of
 * the unit interval is a draw of the prior (uniform or log-uniform over the range).
 */
public sealed interface Distribution permits FloatDistribution, IntDistribution, CategoricalDistribution {
    /** Whether {@code value} is one of this distribution's values. */
    boolean contains(Object value);

    /** The position of {@code value} in [0, 1]. */
    double toUnit(Object value);

    /** The value at position {@code u} (clamped to [0, 1]), rounded to the distribution's grid. */
    Object fromUnit(double u);

    /** {@code value} in this distribution's canonical type (Double, Long or the choice itself). */
    Object canonical(Object value);

    /** Short description, e.g. "float [0.001, 0.1] log". */
    String describe();

    static double clampUnit(double u) {
        if (Double.isNaN(u)) throw new IllegalArgumentException("unit position is NaN");
        return Math.min(1.0, Math.max(0.0, u));
    }
}
