package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.plus;
import static dev.anvil.ops.Check.sumTolerance;
import static dev.anvil.ops.Check.uniform;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.GroupnormDesc;
import dev.anvil.abi.LinearDesc;
import dev.anvil.internal.Native;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-sample squared gradient norms of differential privacy against per-sample gradients in double, one
 * sample at a time: Linear's from {@link Reference#linearBackwardWeight} and {@link Reference#biasGradient} on a
 * batch of one, Conv2d's (both methods) from {@link Reference#conv2dBackwardWeight} on a batch of one, GroupNorm's from the definition of its gamma and beta gradients. The norms are added to what sq
 * holds.
 */
class PerSampleNormOpTest {
    record LinearShape(int batch, int in, int out) {
        @Override
        public String toString() {
            return batch + "x" + in + "->" + out;
        }
    }

    record GroupShape(int batch, int channels, int spatial, int groups) {
        @Override
        public String toString() {
            return batch + "x" + channels + "x" + spatial + "/" + groups;
        }
    }

    private static final List<LinearShape> LINEAR = List.of(new LinearShape(1, 1, 1), new LinearShape(3, 5, 7),
            new LinearShape(13, 17, 3), new LinearShape(64, 1024, 10), new LinearShape(300, 400, 30));
    private static final List<GroupShape> GROUP = List.of(new GroupShape(1, 1, 1, 1), new GroupShape(2, 6, 5, 3),
            new GroupShape(3, 4, 1, 4), new GroupShape(8, 16, 196, 4), new GroupShape(5, 32, 25, 8));

    /** One-image geometries (the batch is set per case): strided, padded, dilated, grouped, and the private CNN's two layers. */
    private static final List<ConvGeom> CONV = List.of(ConvGeom.of(3, 2, 7, 6, 4, 3, 1, 1, 1, 1), ConvGeom.of(2, 4, 9, 9, 6, 3, 2, 1, 2, 2),
            ConvGeom.of(5, 3, 5, 5, 2, 1, 1, 0, 1, 1), ConvGeom.of(6, 1, 28, 28, 16, 8, 2, 3, 1, 1),
            ConvGeom.of(6, 16, 13, 13, 32, 4, 2, 0, 1, 1));

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> linearShapes() {
        return Backends.cross(LINEAR);
    }

    static Stream<Arguments> convShapes() {
        return Backends.cross(CONV);
    }

    static Stream<Arguments> groupShapes() {
        return Backends.cross(GROUP);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("linearShapes")
    void linearNormsMatchPerSampleGradients(String backend, LinearShape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.batch * s.in), dy = uniform(2, s.batch * s.out), start = uniform(3, s.batch);
        for (boolean bias : new boolean[] {true, false}) {
            double[] want = new double[s.batch];
            for (int i = 0; i < s.batch; i++) {
                float[] xi = Arrays.copyOfRange(x, i * s.in, (i + 1) * s.in), gi = Arrays.copyOfRange(dy, i * s.out, (i + 1) * s.out);
                want[i] = squares(Reference.linearBackwardWeight(1, s.in, s.out, xi, gi))
                        + (bias ? squares(Reference.biasGradient(gi, 1, s.out, 1)) : 0);
            }
            want = plus(want, start);
            LinearDesc d = new LinearDesc().batch(s.batch).in_features(s.in).out_features(s.out);
            try (Scope scope = Scope.open()) {
                Tensor tx = Tensor.of(dev, x, s.batch, s.in), tdy = Tensor.of(dev, dy, s.batch, s.out), sq = Tensor.of(dev, start, s.batch);
                Native.linearPerSampleSqNorms(dev, d, tx.address(), tdy.address(), bias, sq.address());
                assertClose("linear sq (bias " + bias + ")", want, sq.toFloatArray(), sumTolerance(s.in * s.out, want));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupShapes")
    void groupNormNormsMatchPerSampleGradients(String backend, GroupShape s) {
        Device dev = Backends.use(backend);
        int n = s.batch * s.channels * s.spatial, per = s.channels / s.groups;
        float[] x = uniform(4, n), dy = uniform(5, n), start = uniform(6, s.batch);
        float eps = 1e-5f;
        double[] want = new double[s.batch];
        for (int i = 0; i < s.batch; i++) {
            for (int g = 0; g < s.groups; g++) {
                int off = (i * s.channels + g * per) * s.spatial, count = per * s.spatial;
                double mean = 0, var = 0;
                for (int k = 0; k < count; k++) mean += x[off + k];
                mean /= count;
                for (int k = 0; k < count; k++) var += (x[off + k] - mean) * (x[off + k] - mean);
                double invstd = 1 / Math.sqrt(var / count + eps);
                for (int c = 0; c < per; c++) {
                    double dgamma = 0, dbeta = 0;
                    for (int k = c * s.spatial; k < (c + 1) * s.spatial; k++) {
                        dgamma += dy[off + k] * (x[off + k] - mean) * invstd;
                        dbeta += dy[off + k];
                    }
                    want[i] += dgamma * dgamma + dbeta * dbeta;
                }
            }
        }
        want = plus(want, start);
        GroupnormDesc d = new GroupnormDesc().batch(s.batch).channels(s.channels).spatial(s.spatial).groups(s.groups).eps(eps);
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, n), tdy = Tensor.of(dev, dy, n), sq = Tensor.of(dev, start, s.batch);
            Native.groupNormPerSampleSqNorms(dev, d, tx.address(), tdy.address(), sq.address());
            assertClose("groupnorm sq", want, sq.toFloatArray(), sumTolerance(per * s.spatial, want));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("convShapes")
    void conv2dNormsMatchPerSampleGradientsByBothMethods(String backend, ConvGeom s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(7, s.xSize()), dy = uniform(8, s.ySize()), start = uniform(9, s.n());
        ConvGeom one = new ConvGeom(1, s.c(), s.h(), s.w(), s.o(), s.kh(), s.kw(), s.sh(), s.sw(), s.ph(), s.pw(), s.dh(), s.dw(), s.groups());
        int xs = one.xSize(), ys = one.ySize(), plane = s.oh() * s.ow();
        for (boolean bias : new boolean[] {true, false}) {
            double[] want = new double[s.n()];
            for (int i = 0; i < s.n(); i++) {
                float[] xi = Arrays.copyOfRange(x, i * xs, (i + 1) * xs), gi = Arrays.copyOfRange(dy, i * ys, (i + 1) * ys);
                want[i] = squares(Reference.conv2dBackwardWeight(one, xi, gi)) + (bias ? squares(Reference.biasGradient(gi, 1, s.o(), plane)) : 0);
            }
            want = plus(want, start);
            for (boolean ghost : new boolean[] {false, true}) {
                try (Scope scope = Scope.open()) {
                    Tensor tx = Tensor.of(dev, x, s.xShape()), tdy = Tensor.of(dev, dy, s.ySize()), sq = Tensor.of(dev, start, s.n());
                    Native.conv2dPerSampleSqNorms(dev, s.desc(), tx.address(), tdy.address(), bias, ghost, sq.address());
                    assertClose("conv2d sq (bias " + bias + ", ghost " + ghost + ")", want, sq.toFloatArray(), sumTolerance(xs * plane, want));
                }
            }
        }
    }

    private static double squares(double[] v) {
        double s = 0;
        for (double e : v) s += e * e;
        return s;
    }
}
