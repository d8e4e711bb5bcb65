package dev.anvil.tune.objective;

import dev.anvil.tune.Objective;
import dev.anvil.tune.Trial;
import dev.anvil.tune.space.SearchSpace;
import java.util.Random;

/**
 * Standard test functions of global optimisation, with the domains and minima of Surjanovic and
 * Bingham's Virtual Library of Simulation Experiments (sfu.ca/~ssurjano): Branin-Hoo (2-D, minimum
 * 0.397887), Hartmann-6 (minimum -3.32237), Rosenbrock in 4 dimensions on [-5, 10]^4 (minimum 0),
 * and Hartmann-6 observed with Gaussian noise of standard deviation 0.1 (its true value is kept as
 * the trial attribute "true_value").
 */
public enum TestFunction implements Objective {
    BRANIN("branin", 0.397887),
    HARTMANN6("hartmann6", -3.32237),
    ROSENBROCK4("rosenbrock4", 0),
    NOISY_HARTMANN6("noisy-hartmann6", -3.32237);

    private static final double[] ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] A = {
        {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] P = {
        {1312e-4, 1696e-4, 5569e-4, 124e-4, 8283e-4, 5886e-4}, {2329e-4, 4135e-4, 8307e-4, 3736e-4, 1004e-4, 9991e-4},
        {2348e-4, 1451e-4, 3522e-4, 2883e-4, 3047e-4, 6650e-4}, {4047e-4, 8828e-4, 8732e-4, 5743e-4, 1091e-4, 381e-4}};
    static final double NOISE = 0.1;

    private final String id;
    private final double minimum;

    TestFunction(String id, double minimum) {
        this.id = id;
        this.minimum = minimum;
    }

    public String id() {
        return id;
    }

    /** The global minimum. */
    public double minimum() {
        return minimum;
    }

    public static TestFunction byId(String id) {
        for (TestFunction f : values()) if (f.id.equals(id)) return f;
        throw new IllegalArgumentException("unknown test function '" + id + "' (branin, hartmann6, rosenbrock4, noisy-hartmann6)");
    }

    public SearchSpace space() {
        SearchSpace.Builder b = SearchSpace.builder();
        switch (this) {
            case BRANIN -> b.floatRange("x0", -5, 10).floatRange("x1", 0, 15);
            case ROSENBROCK4 -> {
                for (int i = 0; i < 4; i++) b.floatRange("x" + i, -5, 10);
            }
            default -> {
                for (int i = 0; i < 6; i++) b.floatRange("x" + i, 0, 1);
            }
        }
        return b.build();
    }

    /** The noise-free value at {@code x}. */
    public double value(double[] x) {
        return switch (this) {
            case BRANIN -> branin(x[0], x[1]);
            case ROSENBROCK4 -> rosenbrock(x);
            default -> hartmann6(x);
        };
    }

    static double branin(double x1, double x2) {
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        double u = x2 - b * x1 * x1 + c * x1 - 6;
        return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
    }

    static double hartmann6(double[] x) {
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            double inner = 0;
            for (int j = 0; j < 6; j++) inner += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
            sum += ALPHA[i] * Math.exp(-inner);
        }
        return -sum;
    }

    static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i], b = x[i] - 1;
            s += 100 * a * a + b * b;
        }
        return s;
    }

    @Override
    public double evaluate(Trial trial) {
        int d = trial.params().size();
        double[] x = new double[d];
        for (int i = 0; i < d; i++) x[i] = trial.getDouble("x" + i);
        double v = value(x);
        if (this != NOISY_HARTMANN6) return v;
        trial.setAttr("true_value", Double.toString(v));
        return v + NOISE * new Random(trial.number() * 0x9E3779B97F4A7C15L ^ Double.doubleToLongBits(x[0])).nextGaussian();
    }
}
