package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.distinct;
import static dev.anvil.ops.Check.sumTolerance;
import static dev.anvil.ops.Check.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.abi.Pool2dDesc;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Max and average pooling against {@link Reference} (PyTorch semantics: padding never wins a max,
 * count_include_pad chooses the average's divisor). Maxima are exact, so max pooling forward and
 * argmax must match exactly; sums use {@link Check#sumTolerance} over the window size.
 */
class PoolOpTest {
    private static final List<PoolGeom> SHAPES = List.of(
            PoolGeom.of(1, 1, 4, 4, 2, 2, 0, false),
            PoolGeom.of(2, 3, 7, 9, 3, 2, 1, false),
            PoolGeom.of(2, 3, 7, 9, 3, 2, 1, true),
            PoolGeom.of(1, 5, 6, 6, 3, 1, 1, false),
            PoolGeom.of(3, 13, 5, 7, 2, 2, 0, false),
            PoolGeom.of(2, 2, 5, 5, 5, 1, 2, true),
            PoolGeom.of(2, 2, 5, 5, 5, 1, 2, false),
            new PoolGeom(1, 4, 9, 8, 3, 2, 2, 1, 1, 1, true),
            PoolGeom.of(64, 32, 28, 28, 2, 2, 0, false),
            PoolGeom.of(64, 64, 14, 14, 2, 2, 0, false),
            // Windows of more than 256 elements: int32 argmax positions instead of bytes.
            new PoolGeom(2, 3, 20, 18, 17, 16, 3, 2, 8, 8, false),
            new PoolGeom(1, 1, 17, 17, 17, 16, 1, 1, 0, 0, false));

    private static final List<PoolGeom> GRAD_SHAPES = SHAPES.stream().filter(s -> s.xSize() <= 1000).toList();

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> shapes() {
        return Backends.cross(SHAPES);
    }

    static Stream<Arguments> gradShapes() {
        return Backends.cross(GRAD_SHAPES);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void outputSizeMatchesGeometry(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        Pool2dDesc d = s.desc();
        assertArrayEquals(new long[] {s.oh(), s.ow()}, Native.pool2dOutputSize(d));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void maxForwardAndArgmaxMatchReference(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        float[] x = distinct(1, s.xSize());
        MaxResult r = maxForward(dev, s, x);
        assertClose("y", Reference.maxPoolForward(s, x), r.y, 0);
        assertArrayEquals(Reference.maxPoolArgmax(s, x), r.argmax, "argmax");
        assertArrayEquals(r.y, maxForwardWithoutArgmax(dev, s, x), "y without argmax");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void maxTiesGoToTheFirstMaximum(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        float[] x = new float[s.xSize()];
        Arrays.fill(x, -2f);
        assertArrayEquals(Reference.maxPoolArgmax(s, x), maxForward(dev, s, x).argmax, "argmax of a constant input");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void maxBackwardMatchesReference(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        float[] x = distinct(1, s.xSize()), dy = uniform(2, s.ySize());
        double[] ref = Reference.maxPoolBackward(s, x, dy);
        assertClose("dx", ref, maxBackward(dev, s, dy, maxForward(dev, s, x).argmax), sumTolerance(s.kh() * s.kw(), ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void avgForwardAndBackwardMatchReference(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), dy = uniform(2, s.ySize());
        double[] y = Reference.avgPoolForward(s, x), dx = Reference.avgPoolBackward(s, dy);
        assertClose("y", y, avgForward(dev, s, x), sumTolerance(s.kh() * s.kw(), y));
        assertClose("dx", dx, avgBackward(dev, s, dy), sumTolerance(s.kh() * s.kw(), dx));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void gradientsMatchFiniteDifferences(String backend, PoolGeom s) {
        Device dev = Backends.use(backend);
        float[] x = distinct(1, s.xSize()), r = uniform(2, s.ySize());
        // Distinct inputs are 0.01 apart, so a step of 1e-3 never changes which element is the maximum.
        GradCheck.check("max dx", in -> maxForward(dev, s, in).y, x, r, maxBackward(dev, s, r, maxForward(dev, s, x).argmax), 1e-3);
        // Average pooling is linear.
        GradCheck.check("avg dx", in -> avgForward(dev, s, in), x, r, avgBackward(dev, s, r), 0.5);
    }

    private record MaxResult(float[] y, int[] argmax) {}

    private static MaxResult maxForward(Device dev, PoolGeom s, float[] x) {
        Pool2dDesc d = s.desc();
        int bytes = (int) Native.maxPool2dIndexBytes(d);
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.xShape()), y = Tensor.empty(dev, s.yShape());
            Tensor argmax = Tensor.empty(dev, DType.INT32, (s.ySize() * bytes + 3) / 4);
            Native.maxPool2dForward(dev, d, tx.address(), y.address(), argmax.address());
            return new MaxResult(y.toFloatArray(), unpack(argmax.toIntArray(), bytes, s.ySize()));
        }
    }

    /** The argmax elements (of {@code bytes} each, little-endian) held in int32 words. */
    private static int[] unpack(int[] words, int bytes, int n) {
        if (bytes == 4) return Arrays.copyOf(words, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (words[i / 4] >>> (8 * (i % 4))) & 0xFF;
        return out;
    }

    private static int[] pack(int[] argmax, int bytes) {
        if (bytes == 4) return argmax;
        int[] words = new int[(argmax.length + 3) / 4];
        for (int i = 0; i < argmax.length; i++) words[i / 4] |= (argmax[i] & 0xFF) << (8 * (i % 4));
        return words;
    }

    private static float[] maxForwardWithoutArgmax(Device dev, PoolGeom s, float[] x) {
        Pool2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.xShape()), y = Tensor.empty(dev, s.yShape());
            Native.maxPool2dForward(dev, d, tx.address(), y.address(), 0);
            return y.toFloatArray();
        }
    }

    private static float[] maxBackward(Device dev, PoolGeom s, float[] dy, int[] argmax) {
        Pool2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            int[] words = pack(argmax, (int) Native.maxPool2dIndexBytes(d));
            Tensor tdy = Tensor.of(dev, dy, s.yShape()), ta = Tensor.ofInts(dev, words, words.length);
            Tensor dx = Tensor.empty(dev, s.xShape()).fill(Float.NaN); // must be overwritten
            Native.maxPool2dBackward(dev, d, tdy.address(), ta.address(), dx.address());
            return dx.toFloatArray();
        }
    }

    private static float[] avgForward(Device dev, PoolGeom s, float[] x) {
        Pool2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.xShape()), y = Tensor.empty(dev, s.yShape());
            Native.avgPool2dForward(dev, d, tx.address(), y.address());
            return y.toFloatArray();
        }
    }

    private static float[] avgBackward(Device dev, PoolGeom s, float[] dy) {
        Pool2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tdy = Tensor.of(dev, dy, s.yShape()), dx = Tensor.empty(dev, s.xShape()).fill(Float.NaN);
            Native.avgPool2dBackward(dev, d, tdy.address(), dx.address());
            return dx.toFloatArray();
        }
    }
}
