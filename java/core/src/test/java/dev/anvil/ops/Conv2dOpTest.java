package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.sumTolerance;
import static dev.anvil.ops.Check.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.Conv2dDesc;
import dev.anvil.internal.Native;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * conv2d forward, backward-data and backward-weight/bias against {@link Reference}, with the
 * tolerance of {@link Check#sumTolerance} over each result's reduction length, and finite-difference
 * checks of every gradient.
 */
class Conv2dOpTest {
    private static final List<ConvGeom> SHAPES = List.of(
            ConvGeom.of(1, 1, 1, 1, 1, 1, 1, 0, 1, 1),
            ConvGeom.of(1, 3, 7, 9, 5, 3, 1, 0, 1, 1),
            ConvGeom.of(2, 3, 9, 7, 4, 3, 2, 1, 1, 1),
            ConvGeom.of(1, 5, 11, 10, 13, 3, 1, 2, 2, 1),
            ConvGeom.of(2, 4, 8, 8, 6, 3, 1, 1, 1, 2),
            ConvGeom.of(3, 13, 6, 5, 5, 1, 1, 0, 1, 1),
            ConvGeom.of(2, 8, 5, 5, 8, 3, 1, 1, 1, 8),
            ConvGeom.of(1, 3, 4, 4, 2, 5, 1, 2, 1, 1),
            ConvGeom.of(1, 3, 13, 13, 5, 3, 3, 0, 1, 1),
            ConvGeom.of(2, 10, 7, 7, 6, 2, 2, 0, 2, 2),
            new ConvGeom(1, 6, 10, 9, 4, 3, 2, 2, 1, 1, 0, 1, 2, 2),
            ConvGeom.of(2, 16, 9, 9, 24, 3, 2, 1, 1, 1),
            ConvGeom.of(64, 1, 28, 28, 32, 5, 1, 2, 1, 1),
            ConvGeom.of(64, 32, 14, 14, 64, 5, 1, 2, 1, 1),
            // Winograd on the CPU (5x5 and 3x3 "same" with 16k channels), small enough for finite
            // differences.
            ConvGeom.of(1, 16, 6, 7, 32, 5, 1, 2, 1, 1),
            ConvGeom.of(1, 32, 5, 5, 16, 5, 1, 2, 1, 1),
            ConvGeom.of(1, 16, 5, 9, 16, 3, 1, 1, 1, 1));

    /** Small enough for finite differences (two forward passes per probed element). */
    private static final List<ConvGeom> GRAD_SHAPES = SHAPES.stream().filter(s -> s.xSize() <= 1000).toList();

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
    void outputSizeMatchesGeometry(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        Conv2dDesc d = s.desc();
        assertArrayEquals(new long[] {s.oh(), s.ow()}, Native.conv2dOutputSize(d));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void forwardMatchesReference(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), w = uniform(2, s.wSize()), bias = uniform(3, s.o());
        double[] ref = Reference.conv2dForward(s, x, w, bias);
        assertClose("y", ref, forward(dev, s, x, w, bias), sumTolerance(s.c() / s.groups() * s.kh() * s.kw(), ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void forwardWithoutBiasMatchesReference(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), w = uniform(2, s.wSize());
        double[] ref = Reference.conv2dForward(s, x, w, null);
        assertClose("y", ref, forward(dev, s, x, w, null), sumTolerance(s.c() / s.groups() * s.kh() * s.kw(), ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void backwardDataMatchesReference(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] dy = uniform(4, s.ySize()), w = uniform(2, s.wSize());
        double[] ref = Reference.conv2dBackwardData(s, dy, w);
        assertClose("dx", ref, backwardData(dev, s, dy, w), sumTolerance(s.o() / s.groups() * s.kh() * s.kw(), ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void backwardWeightMatchesReference(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), dy = uniform(4, s.ySize());
        float[][] grads = backwardWeight(dev, s, x, dy, null, null);
        int plane = s.oh() * s.ow();
        double[] dw = Reference.conv2dBackwardWeight(s, x, dy), db = Reference.biasGradient(dy, s.n(), s.o(), plane);
        assertClose("dw", dw, grads[0], sumTolerance(s.n() * plane, dw));
        assertClose("db", db, grads[1], sumTolerance(s.n() * plane, db));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void backwardWeightAccumulatesOntoExistingGradients(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), dy = uniform(4, s.ySize());
        float[] dw0 = uniform(5, s.wSize()), db0 = uniform(6, s.o());
        float[][] grads = backwardWeight(dev, s, x, dy, dw0, db0);
        int plane = s.oh() * s.ow();
        double[] dw = Check.plus(Reference.conv2dBackwardWeight(s, x, dy), dw0);
        double[] db = Check.plus(Reference.biasGradient(dy, s.n(), s.o(), plane), db0);
        assertClose("accumulated dw", dw, grads[0], sumTolerance(s.n() * plane + 1, dw));
        assertClose("accumulated db", db, grads[1], sumTolerance(s.n() * plane + 1, db));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void gradientsMatchFiniteDifferences(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.xSize()), w = uniform(2, s.wSize()), bias = uniform(3, s.o());
        float[] r = uniform(7, s.ySize());
        float[][] grads = backwardWeight(dev, s, x, r, null, null);
        // conv2d is linear in each of x, w and bias: a large step loses nothing to truncation.
        GradCheck.check("dx", in -> forward(dev, s, in, w, bias), x, r, backwardData(dev, s, r, w), 0.5);
        GradCheck.check("dw", in -> forward(dev, s, x, in, bias), w, r, grads[0], 0.5);
        GradCheck.check("db", in -> forward(dev, s, x, w, in), bias, r, grads[1], 0.5);
    }

    /** y of the native forward; bias may be null. */
    private static float[] forward(Device dev, ConvGeom s, float[] x, float[] w, float[] bias) {
        Conv2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.xShape()), tw = Tensor.of(dev, w, s.wShape()), ty = Tensor.empty(dev, s.yShape());
            long b = bias == null ? 0 : Tensor.of(dev, bias, s.o()).address();
            Native.conv2dForward(dev, d, tx.address(), tw.address(), b, ty.address());
            return ty.toFloatArray();
        }
    }

    private static float[] backwardData(Device dev, ConvGeom s, float[] dy, float[] w) {
        Conv2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tdy = Tensor.of(dev, dy, s.yShape()), tw = Tensor.of(dev, w, s.wShape());
            Tensor dx = Tensor.empty(dev, s.xShape()).fill(Float.NaN); // must be overwritten
            Native.conv2dBackwardData(dev, d, tdy.address(), tw.address(), dx.address());
            return dx.toFloatArray();
        }
    }

    /**
     * {dw, db} of the native backward-weight: accumulated onto dw0 and db0 if given, else
     * overwriting gradients that start as NaN.
     */
    private static float[][] backwardWeight(Device dev, ConvGeom s, float[] x, float[] dy, float[] dw0, float[] db0) {
        boolean accumulate = dw0 != null;
        Conv2dDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.xShape()), tdy = Tensor.of(dev, dy, s.yShape());
            Tensor dw = accumulate ? Tensor.of(dev, dw0, s.wShape()) : Tensor.empty(dev, s.wShape()).fill(Float.NaN);
            Tensor db = accumulate ? Tensor.of(dev, db0, s.o()) : Tensor.empty(dev, s.o()).fill(Float.NaN);
            Native.conv2dBackwardWeight(dev, d, tx.address(), tdy.address(), dw.address(), db.address(), accumulate);
            return new float[][] {dw.toFloatArray(), db.toFloatArray()};
        }
    }
}
