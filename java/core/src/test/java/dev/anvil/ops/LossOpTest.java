package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.sumTolerance;
import static dev.anvil.ops.Check.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.CrossEntropyDesc;
import dev.anvil.internal.Native;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Softmax cross-entropy and argmax against {@link Reference}. The loss is a float result of a
 * log-sum-exp over the classes: tolerance {@link #LOSS_RTOL} relative to max(1, |loss|); the
 * gradient uses {@link Check#sumTolerance} over the classes (the softmax normaliser).
 */
class LossOpTest {
    /** About 100 float ulps. */
    private static final double LOSS_RTOL = 1e-5;

    record Shape(int batch, int classes) {
        @Override
        public String toString() {
            return batch + "x" + classes;
        }
    }

    private static final List<Shape> SHAPES = List.of(new Shape(1, 1), new Shape(1, 10), new Shape(7, 3),
            new Shape(5, 2), new Shape(64, 10), new Shape(13, 1000));

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> shapes() {
        return Backends.cross(SHAPES);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void forwardAndBackwardMatchReference(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] logits = scaled(uniform(1, s.batch * s.classes), 3);
        int[] labels = labels(s);
        assertLoss(Reference.crossEntropyForward(s.batch, s.classes, logits, labels), loss(dev, s, logits, labels));
        for (float scale : new float[] {1f, 0.25f}) {
            double[] ref = Reference.crossEntropyBackward(s.batch, s.classes, logits, labels, scale);
            assertClose("dlogits, scale " + scale, ref, backward(dev, s, logits, labels, scale, false),
                    sumTolerance(s.classes, ref));
            assertClose("in-place dlogits, scale " + scale, ref, backward(dev, s, logits, labels, scale, true),
                    sumTolerance(s.classes, ref));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void largeLogitsStayFinite(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] logits = scaled(uniform(1, s.batch * s.classes), 1000);
        int[] labels = labels(s);
        assertLoss(Reference.crossEntropyForward(s.batch, s.classes, logits, labels), loss(dev, s, logits, labels));
        double[] ref = Reference.crossEntropyBackward(s.batch, s.classes, logits, labels, 1);
        assertClose("dlogits", ref, backward(dev, s, logits, labels, 1f, false), sumTolerance(s.classes, ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void gradientMatchesFiniteDifferences(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] logits = scaled(uniform(1, s.batch * s.classes), 3);
        int[] labels = labels(s);
        float[] r = {0.75f}; // the scalar loss times r: backward with scale r
        GradCheck.check("dlogits", in -> new float[] {loss(dev, s, in, labels)}, logits, r,
                backward(dev, s, logits, labels, r[0], false), 1e-2);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void argmaxPicksTheFirstMaximum(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] logits = uniform(1, s.batch * s.classes);
        for (int i = 0; i < logits.length; i++) logits[i] = Math.round(logits[i] * 2); // many ties
        assertArrayEquals(Reference.argmax(s.batch, s.classes, logits), argmax(dev, s, logits));
    }

    private static void assertLoss(double expected, float actual) {
        assertEquals(expected, actual, LOSS_RTOL * Math.max(1, Math.abs(expected)), "loss");
    }

    private static float[] scaled(float[] v, float factor) {
        for (int i = 0; i < v.length; i++) v[i] *= factor;
        return v;
    }

    private static int[] labels(Shape s) {
        Random random = new Random(s.batch * 31L + s.classes);
        int[] labels = new int[s.batch];
        for (int b = 0; b < s.batch; b++) labels[b] = random.nextInt(s.classes);
        return labels;
    }

    private static float loss(Device dev, Shape s, float[] logits, int[] labels) {
        try (Scope scope = Scope.open()) {
            Tensor tl = Tensor.of(dev, logits, s.batch, s.classes), tlab = Tensor.ofInts(dev, labels, s.batch);
            return Native.softmaxCrossEntropyForward(dev, desc(s), tl.address(), tlab.address(), 0);
        }
    }

    private static float[] backward(Device dev, Shape s, float[] logits, int[] labels, float scale, boolean inPlace) {
        try (Scope scope = Scope.open()) {
            Tensor tl = Tensor.of(dev, logits, s.batch, s.classes), tlab = Tensor.ofInts(dev, labels, s.batch);
            Tensor d = inPlace ? tl : Tensor.empty(dev, s.batch, s.classes).fill(Float.NaN);
            Native.softmaxCrossEntropyBackward(dev, desc(s), tl.address(), tlab.address(), 0, scale, d.address());
            return d.toFloatArray();
        }
    }

    private static CrossEntropyDesc desc(Shape s) {
        return new CrossEntropyDesc().batch(s.batch).classes(s.classes).ignore_index(-100);
    }

    private static int[] argmax(Device dev, Shape s, float[] logits) {
        try (Scope scope = Scope.open()) {
            Tensor tl = Tensor.of(dev, logits, s.batch, s.classes), out = Tensor.empty(dev, DType.INT32, s.batch);
            Native.argmax(dev, s.batch, s.classes, tl.address(), out.address());
            return out.toIntArray();
        }
    }
}
