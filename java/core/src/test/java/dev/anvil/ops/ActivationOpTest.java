package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ReLU (exact: must equal the reference bit for bit) and inverted dropout, whose mask is a pure
 * function of (seed, index): kept elements are x / (1-p), within {@link Check#elementTolerance}.
 */
class ActivationOpTest {
    /** Lengths around vector widths and thread splits. */
    private static final List<Integer> SIZES = List.of(1, 7, 16, 17, 1000, 4099, 100_003);
    private static final long SEED = 0x5eedL;

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> sizes() {
        return Backends.cross(SIZES);
    }

    static Stream<Arguments> smallSizes() {
        return Backends.cross(SIZES.stream().filter(n -> n <= 1000).toList());
    }

    static Stream<Arguments> dropProbabilities() {
        return Backends.cross(List.of(0.1f, 0.5f, 0.9f));
    }

    // ------------------------------------------------------------------ the anvil_activation family

    static Stream<Arguments> activationKinds() {
        return Backends.cross(List.of(dev.anvil.abi.Abi.ANVIL_ACT_LEAKY_RELU, dev.anvil.abi.Abi.ANVIL_ACT_ELU,
                dev.anvil.abi.Abi.ANVIL_ACT_GELU, dev.anvil.abi.Abi.ANVIL_ACT_GELU_TANH, dev.anvil.abi.Abi.ANVIL_ACT_SILU,
                dev.anvil.abi.Abi.ANVIL_ACT_SIGMOID, dev.anvil.abi.Abi.ANVIL_ACT_TANH, dev.anvil.abi.Abi.ANVIL_ACT_HARDSWISH));
    }

    /** PyTorch's definitions in double (anvil.h lists them). */
    static double activation(int kind, double alpha, double x) {
        return switch (kind) {
            case 0 -> x > 0 ? x : alpha * x;
            case 1 -> x > 0 ? x : alpha * Math.expm1(x);
            case 2 -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case 3 -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case 4 -> x / (1 + Math.exp(-x));
            case 5 -> 1 / (1 + Math.exp(-x));
            case 6 -> Math.tanh(x);
            default -> x * Math.min(Math.max(x + 3, 0), 6) / 6;
        };
    }

    /** erf by its Maclaurin series (|x| < 4 here: terms fall below 1e-17 within 100). */
    private static double erf(double x) {
        double sum = 0, term = x;
        for (int k = 0; k < 100; k++) {
            sum += term / (2 * k + 1);
            term *= -x * x / (k + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @ParameterizedTest(name = "{0} kind={1}")
    @MethodSource("activationKinds")
    void activationsMatchTheReferenceAndFiniteDifferences(String backend, int kind) {
        Device dev = Backends.use(backend);
        int n = 300;
        float alpha = kind == 0 ? 0.01f : 1f;
        float[] x = uniform(7, n), r = uniform(8, n);
        for (int i = 0; i < n; i++) {
            x[i] *= 3.5f;
            if (Math.abs(x[i]) < 0.05f) x[i] += 0.1f; // away from the kinks at 0 and +-3
            if (Math.abs(Math.abs(x[i]) - 3) < 0.05f) x[i] += 0.1f;
        }
        double[] want = new double[n];
        for (int i = 0; i < n; i++) want[i] = activation(kind, alpha, x[i]);
        float[] y = act(dev, kind, alpha, x);
        assertClose("y", want, y, 3e-6);
        GradCheck.check("kind " + kind + " dx", in -> act(dev, kind, alpha, in), x, r, actBackward(dev, kind, alpha, x, y, r), 1e-2);
    }

    private static float[] act(Device dev, int kind, float alpha, float[] x) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), y = Tensor.empty(dev, x.length);
            Native.activationForward(dev, kind, alpha, x.length, tx.address(), y.address());
            return y.toFloatArray();
        }
    }

    private static float[] actBackward(Device dev, int kind, float alpha, float[] x, float[] y, float[] dy) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), ty = Tensor.of(dev, y, y.length), tdy = Tensor.of(dev, dy, dy.length);
            Tensor dx = Tensor.empty(dev, x.length);
            Native.activationBackward(dev, kind, alpha, x.length, tx.address(), ty.address(), tdy.address(), dx.address());
            return dx.toFloatArray();
        }
    }

    // ------------------------------------------------------------------ relu

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("sizes")
    void reluMatchesReference(String backend, int n) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, n), dy = uniform(2, n);
        float[] y = relu(dev, x, false);
        assertClose("y", Reference.reluForward(x), y, 0);
        assertArrayEquals(y, relu(dev, x, true), "in-place y");
        assertClose("dx", Reference.reluBackward(y, dy), reluBackward(dev, y, dy, false), 0);
        assertClose("in-place dx", Reference.reluBackward(y, dy), reluBackward(dev, y, dy, true), 0);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("smallSizes")
    void reluGradientMatchesFiniteDifferences(String backend, int n) {
        Device dev = Backends.use(backend);
        float[] x = awayFromZero(uniform(1, n)), r = uniform(2, n);
        GradCheck.check("relu dx", in -> relu(dev, in, false), x, r, reluBackward(dev, relu(dev, x, false), r, false), 1e-2);
    }

    /** Moves every element at least 0.05 away from the kink at 0. */
    private static float[] awayFromZero(float[] x) {
        float[] out = x.clone();
        for (int i = 0; i < out.length; i++) out[i] += out[i] < 0 ? -0.05f : 0.05f;
        return out;
    }

    private static float[] relu(Device dev, float[] x, boolean inPlace) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), y = inPlace ? tx : Tensor.empty(dev, x.length);
            Native.reluForward(dev, x.length, tx.address(), y.address());
            return y.toFloatArray();
        }
    }

    private static float[] reluBackward(Device dev, float[] y, float[] dy, boolean inPlace) {
        try (Scope scope = Scope.open()) {
            Tensor ty = Tensor.of(dev, y, y.length), tdy = Tensor.of(dev, dy, dy.length);
            Tensor dx = inPlace ? tdy : Tensor.empty(dev, y.length);
            Native.reluBackward(dev, y.length, ty.address(), tdy.address(), dx.address());
            return dx.toFloatArray();
        }
    }

    // ------------------------------------------------------------------ dropout

    @ParameterizedTest(name = "{0} p={1}")
    @MethodSource("dropProbabilities")
    void dropoutKeepsAboutOneMinusPScaledByOneOverOneMinusP(String backend, float p) {
        Device dev = Backends.use(backend);
        int n = 200_000;
        float[] x = positive(n), y = dropout(dev, x, p, SEED, false);
        int kept = 0;
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            if (y[i] != 0) {
                kept++;
                expected[i] = x[i] / (1.0 - p);
            }
        }
        assertClose("kept values", expected, y, Check.elementTolerance(expected));
        double sigma = Math.sqrt(p * (1.0 - p) / n);
        assertEquals(1 - p, kept / (double) n, 5 * sigma, "kept fraction (5 standard deviations)");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("sizes")
    void dropoutMaskIsAFunctionOfTheSeed(String backend, int n) {
        Device dev = Backends.use(backend);
        float[] x = positive(n);
        float[] y = dropout(dev, x, 0.5f, SEED, false);
        assertArrayEquals(y, dropout(dev, x, 0.5f, SEED, false), "same seed, same mask");
        assertArrayEquals(y, dropout(dev, x, 0.5f, SEED, true), "in place, same mask");
        if (n >= 1000) assertFalse(Arrays.equals(y, dropout(dev, x, 0.5f, SEED + 1, false)), "another seed, another mask");
    }

    @Test
    void dropoutMaskDoesNotDependOnTheThreadCount() {
        Device dev = Device.cpu();
        float[] x = positive(100_003);
        try {
            Native.setThreads(1);
            float[] one = dropout(dev, x, 0.3f, SEED, false);
            Native.setThreads(2);
            assertArrayEquals(one, dropout(dev, x, 0.3f, SEED, false), "1 thread vs 2 threads");
            Native.setThreads(0);
            assertArrayEquals(one, dropout(dev, x, 0.3f, SEED, false), "1 thread vs all CPUs");
        } finally {
            Native.setThreads(0);
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("sizes")
    void dropoutBackwardUsesTheForwardMask(String backend, int n) {
        Device dev = Backends.use(backend);
        float p = 0.3f;
        float[] y = dropout(dev, positive(n), p, SEED, false), dy = positive(n), dx = dropoutBackward(dev, dy, p, SEED);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = y[i] != 0 ? dy[i] / (1.0 - p) : 0;
        assertClose("dx", expected, dx, Check.elementTolerance(expected));
    }

    @Test
    void dropoutWithPZeroIsTheIdentity() {
        Device dev = Device.cpu();
        float[] x = uniform(1, 1001);
        assertArrayEquals(x, dropout(dev, x, 0f, SEED, false));
        assertArrayEquals(x, dropoutBackward(dev, x, 0f, SEED));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("smallSizes")
    void dropoutGradientMatchesFiniteDifferences(String backend, int n) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, n), r = uniform(2, n);
        // Dropout is linear in x for a fixed seed.
        GradCheck.check("dropout dx", in -> dropout(dev, in, 0.4f, SEED, false), x, r, dropoutBackward(dev, r, 0.4f, SEED), 0.5);
    }

    /** Elements in [1, 2): never zero, so a zero output means a dropped element. */
    private static float[] positive(int n) {
        float[] x = uniform(3, n);
        for (int i = 0; i < n; i++) x[i] = 1.5f + x[i] / 2;
        return x;
    }

    private static float[] dropout(Device dev, float[] x, float p, long seed, boolean inPlace) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), y = inPlace ? tx : Tensor.empty(dev, x.length);
            Native.dropoutForward(dev, x.length, p, seed, tx.address(), y.address());
            return y.toFloatArray();
        }
    }

    private static float[] dropoutBackward(Device dev, float[] dy, float p, long seed) {
        try (Scope scope = Scope.open()) {
            Tensor tdy = Tensor.of(dev, dy, dy.length), dx = Tensor.empty(dev, dy.length);
            Native.dropoutBackward(dev, dy.length, p, seed, tdy.address(), dx.address());
            return dx.toFloatArray();
        }
    }
}
