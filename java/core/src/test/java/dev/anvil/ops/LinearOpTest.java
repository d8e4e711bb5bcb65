package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.sumTolerance;
import static dev.anvil.ops.Check.uniform;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.LinearDesc;
import dev.anvil.internal.Native;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * linear forward and backward against {@link Reference}, with {@link Check#sumTolerance} over each
 * result's reduction length (in, out and batch), and finite-difference checks of every gradient.
 */
class LinearOpTest {
    record Shape(int batch, int in, int out) {
        LinearDesc desc() {
            return new LinearDesc().batch(batch).in_features(in).out_features(out);
        }

        @Override
        public String toString() {
            return batch + "x" + in + "->" + out;
        }
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape(1, 1, 1), new Shape(1, 7, 3), new Shape(3, 5, 7), new Shape(13, 17, 3), new Shape(7, 9, 1),
            new Shape(5, 64, 13), new Shape(2, 100, 33), new Shape(64, 1024, 10), new Shape(64, 3136, 1024));

    private static final List<Shape> GRAD_SHAPES = SHAPES.stream().filter(s -> s.batch * s.in <= 1000).toList();

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
    void forwardMatchesReference(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), w = uniform(2, s.out * s.in), bias = uniform(3, s.out);
        double[] ref = Reference.linearForward(s.batch, s.in, s.out, x, w, bias);
        assertClose("y", ref, forward(dev, s, x, w, bias), sumTolerance(s.in + 1, ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void forwardWithoutBiasMatchesReference(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), w = uniform(2, s.out * s.in);
        double[] ref = Reference.linearForward(s.batch, s.in, s.out, x, w, null);
        assertClose("y", ref, forward(dev, s, x, w, null), sumTolerance(s.in, ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void backwardMatchesReference(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), w = uniform(2, s.out * s.in), dy = uniform(4, s.batch * s.out);
        double[] dx = Reference.linearBackwardData(s.batch, s.in, s.out, dy, w);
        double[] dw = Reference.linearBackwardWeight(s.batch, s.in, s.out, x, dy);
        double[] db = Reference.biasGradient(dy, s.batch, s.out, 1);
        float[][] grads = backwardWeight(dev, s, x, dy, null, null);
        assertClose("dx", dx, backwardData(dev, s, dy, w), sumTolerance(s.out, dx));
        assertClose("dw", dw, grads[0], sumTolerance(s.batch, dw));
        assertClose("db", db, grads[1], sumTolerance(s.batch, db));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void backwardWeightAccumulatesOntoExistingGradients(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), dy = uniform(4, s.batch * s.out);
        float[] dw0 = uniform(5, s.out * s.in), db0 = uniform(6, s.out);
        double[] dw = Check.plus(Reference.linearBackwardWeight(s.batch, s.in, s.out, x, dy), dw0);
        double[] db = Check.plus(Reference.biasGradient(dy, s.batch, s.out, 1), db0);
        float[][] grads = backwardWeight(dev, s, x, dy, dw0, db0);
        assertClose("accumulated dw", dw, grads[0], sumTolerance(s.batch + 1, dw));
        assertClose("accumulated db", db, grads[1], sumTolerance(s.batch + 1, db));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradShapes")
    void gradientsMatchFiniteDifferences(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), w = uniform(2, s.out * s.in), bias = uniform(3, s.out);
        float[] r = uniform(7, s.batch * s.out);
        float[][] grads = backwardWeight(dev, s, x, r, null, null);
        // linear is linear in each of x, w and bias: a large step loses nothing to truncation.
        GradCheck.check("dx", in -> forward(dev, s, in, w, bias), x, r, backwardData(dev, s, r, w), 0.5);
        GradCheck.check("dw", in -> forward(dev, s, x, in, bias), w, r, grads[0], 0.5);
        GradCheck.check("db", in -> forward(dev, s, x, w, in), bias, r, grads[1], 0.5);
    }

    private static float[] forward(Device dev, Shape s, float[] x, float[] w, float[] bias) {
        LinearDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.batch, s.in), tw = Tensor.of(dev, w, s.out, s.in), y = Tensor.empty(dev, s.batch, s.out);
            long b = bias == null ? 0 : Tensor.of(dev, bias, s.out).address();
            Native.linearForward(dev, d, tx.address(), tw.address(), b, y.address());
            return y.toFloatArray();
        }
    }

    private static float[] backwardData(Device dev, Shape s, float[] dy, float[] w) {
        LinearDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tdy = Tensor.of(dev, dy, s.batch, s.out), tw = Tensor.of(dev, w, s.out, s.in);
            Tensor dx = Tensor.empty(dev, s.batch, s.in).fill(Float.NaN); // must be overwritten
            Native.linearBackwardData(dev, d, tdy.address(), tw.address(), dx.address());
            return dx.toFloatArray();
        }
    }

    /** {dw, db}: accumulated onto dw0 and db0 if given, else overwriting gradients that start as NaN. */
    private static float[][] backwardWeight(Device dev, Shape s, float[] x, float[] dy, float[] dw0, float[] db0) {
        boolean accumulate = dw0 != null;
        LinearDesc d = s.desc();
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, s.batch, s.in), tdy = Tensor.of(dev, dy, s.batch, s.out);
            Tensor dw = accumulate ? Tensor.of(dev, dw0, s.out, s.in) : Tensor.empty(dev, s.out, s.in).fill(Float.NaN);
            Tensor db = accumulate ? Tensor.of(dev, db0, s.out) : Tensor.empty(dev, s.out).fill(Float.NaN);
            Native.linearBackwardWeight(dev, d, tx.address(), tdy.address(), dw.address(), db.address(), accumulate);
            return new float[][] {dw.toFloatArray(), db.toFloatArray()};
        }
    }
}
