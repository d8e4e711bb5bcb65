package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.uniform;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.BatchnormDesc;
import dev.anvil.internal.Native;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batch normalisation and add on every backend against a double transcription of PyTorch's
 * definition (training with batch statistics, evaluation with running ones, the fused ReLU and
 * its mask), and the input gradient against finite differences.
 */
class BatchNormOpTest {
    /** batch, channels, spatial, training, relu */
    record Shape(int batch, int channels, int spatial, boolean training, boolean relu) {
        BatchnormDesc desc() {
            return new BatchnormDesc().batch(batch).channels(channels).spatial(spatial).eps(1e-5f).momentum(0.1f)
                    .training(training ? 1 : 0).relu(relu ? 1 : 0);
        }

        int n() {
            return batch * channels * spatial;
        }
    }

    private static final List<Shape> SHAPES = List.of(new Shape(4, 3, 7, true, false), new Shape(3, 5, 1, true, true),
            new Shape(3, 2, 33, false, false), new Shape(8, 16, 49, true, true), new Shape(2, 4, 9, false, true));

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> shapes() {
        return Backends.cross(SHAPES);
    }

    /** y of batchnorm in double, with the running statistics rm, rv in evaluation. */
    static double[] reference(Shape s, float[] x, float[] gamma, float[] beta, float[] rm, float[] rv) {
        double[] y = new double[s.n()];
        for (int c = 0; c < s.channels; c++) {
            double mean = 0, var = 0;
            int m = s.batch * s.spatial;
            for (int b = 0; b < s.batch; b++) for (int k = 0; k < s.spatial; k++) mean += x[(b * s.channels + c) * s.spatial + k];
            mean /= m;
            for (int b = 0; b < s.batch; b++) {
                for (int k = 0; k < s.spatial; k++) var += Math.pow(x[(b * s.channels + c) * s.spatial + k] - mean, 2);
            }
            var /= m;
            if (!s.training) {
                mean = rm[c];
                var = rv[c];
            }
            for (int b = 0; b < s.batch; b++) {
                for (int k = 0; k < s.spatial; k++) {
                    int i = (b * s.channels + c) * s.spatial + k;
                    double v = gamma[c] * (x[i] - mean) / Math.sqrt(var + 1e-5) + beta[c];
                    y[i] = s.relu ? Math.max(v, 0) : v;
                }
            }
        }
        return y;
    }

    /** A forward pass's outputs: y, save_mean, save_invstd, and with the ReLU its mask (int32 words), else null. */
    record Forward(float[] y, float[] mean, float[] invstd, int[] mask) {}

    /** With a residual (not null) y = max(batchnorm(x) + residual, 0), the fused ReLU's shapes only. */
    private static Forward forward(Device dev, Shape s, float[] x, float[] residual, float[] gamma, float[] beta, float[] rm,
            float[] rv) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), g = Tensor.of(dev, gamma, gamma.length), b = Tensor.of(dev, beta, beta.length);
            Tensor m = Tensor.of(dev, rm, rm.length), v = Tensor.of(dev, rv, rv.length);
            Tensor sm = Tensor.empty(dev, s.channels), si = Tensor.empty(dev, s.channels), y = Tensor.empty(dev, x.length);
            Tensor r = residual == null ? null : Tensor.of(dev, residual, residual.length);
            Tensor mask = s.relu ? Tensor.empty(dev, DType.INT32, (Native.batchNormReluMaskBytes(s.desc()) + 3) / 4) : null;
            Native.batchNormForward(dev, s.desc(), tx.address(), r == null ? 0 : r.address(), g.address(), b.address(), m.address(),
                    v.address(), sm.address(), si.address(), y.address(), mask == null ? 0 : mask.address());
            return new Forward(y.toFloatArray(), sm.toFloatArray(), si.toFloatArray(), mask == null ? null : mask.toIntArray());
        }
    }

    /**
     * The mask has a bit set exactly where y > 0: bit k % 16 of 16-bit word k / 16 of each run of {@code spatial} elements,
     * the runs channel by channel.
     */
    private static void assertMaskMatches(Shape s, float[] y, int[] mask) {
        int words = (s.spatial + 15) / 16;
        for (int n = 0; n < s.batch; n++) {
            for (int c = 0; c < s.channels; c++) {
                for (int k = 0; k < words * 16; k++) {
                    int word = (c * s.batch + n) * words + k / 16;
                    boolean bit = ((mask[word / 2] >>> (16 * (word % 2) + k % 16)) & 1) != 0;
                    float v = k < s.spatial ? y[(n * s.channels + c) * s.spatial + k] : 0;
                    if (bit != (v > 0)) throw new AssertionError("relu mask bit " + k + " of image " + n + " channel " + c + ": " + bit + ", y " + v);
                }
            }
        }
    }

    /** dx, and with {@code residualToo} the residual's gradient (the fused forward's backward). */
    private static float[][] backwardData(Device dev, Shape s, float[] x, Forward f, float[] dy, float[] gamma, boolean residualToo) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), tdy = Tensor.of(dev, dy, dy.length);
            Tensor mask = f.mask() == null ? null : Tensor.ofInts(dev, f.mask(), f.mask().length);
            Tensor g = Tensor.of(dev, gamma, gamma.length), m = Tensor.of(dev, f.mean(), f.mean().length);
            Tensor i = Tensor.of(dev, f.invstd(), f.invstd().length);
            Tensor dx = Tensor.empty(dev, x.length), dg = Tensor.empty(dev, gamma.length), db = Tensor.empty(dev, gamma.length);
            Tensor dr = residualToo ? Tensor.empty(dev, x.length) : null;
            Native.batchNormBackward(dev, s.desc(), tx.address(), mask == null ? 0 : mask.address(), tdy.address(), g.address(),
                    m.address(), i.address(), dx.address(), dr == null ? 0 : dr.address(), dg.address(), db.address(), false);
            return new float[][] {dx.toFloatArray(), dr == null ? null : dr.toFloatArray()};
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapes")
    void forwardAndGradientMatchTheReference(String backend, Shape s) {
        Device dev = Backends.use(backend);
        float[] x = uniform(1, s.n()), gamma = uniform(2, s.channels), beta = uniform(3, s.channels), r = uniform(6, s.n());
        float[] rm = uniform(4, s.channels), rv = uniform(5, s.channels);
        for (int i = 0; i < rv.length; i++) rv[i] = 0.5f + Math.abs(rv[i]);
        Forward out = forward(dev, s, x, null, gamma, beta, rm.clone(), rv.clone());
        double[] ref = reference(s, x, gamma, beta, rm, rv);
        assertClose("y", ref, out.y(), 1e-4 * Check.maxAbs(ref) + 1e-5);
        float[] dx = backwardData(dev, s, x, out, r, gamma, false)[0];
        GradCheck.check("batchnorm dx", in -> forward(dev, s, in, null, gamma, beta, rm.clone(), rv.clone()).y(), x, r, dx, 1e-3);
        if (!s.relu) return;
        assertMaskMatches(s, out.y(), out.mask());
        // The residual addition fused before the ReLU (a ResNet block's end): y = max(batchnorm(x) + res, 0).
        float[] res = uniform(7, s.n());
        Forward fused = forward(dev, s, x, res, gamma, beta, rm.clone(), rv.clone());
        Shape plain = new Shape(s.batch, s.channels, s.spatial, s.training, false);
        double[] pre = reference(plain, x, gamma, beta, rm, rv);
        double[] want = new double[pre.length];
        for (int i = 0; i < pre.length; i++) want[i] = Math.max(pre[i] + res[i], 0);
        assertClose("y of batchnorm + residual + relu", want, fused.y(), 1e-4 * Check.maxAbs(want) + 1e-5);
        assertMaskMatches(s, fused.y(), fused.mask());
        float[][] grads = backwardData(dev, s, x, fused, r, gamma, true);
        GradCheck.check("batchnorm + residual + relu dx", in -> forward(dev, s, in, res, gamma, beta, rm.clone(), rv.clone()).y(), x,
                r, grads[0], 1e-3);
        GradCheck.check("batchnorm + residual + relu dresidual",
                in -> forward(dev, s, x, in, gamma, beta, rm.clone(), rv.clone()).y(), res, r, grads[1], 1e-3);
    }
}
