package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.uniform;

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
 * definition (training with batch statistics, evaluation with running ones, the fused ReLU), and
 * the input gradient against finite differences.
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

    /** y, save_mean, save_invstd; with a residual (not null) y = max(batchnorm(x) + residual, 0), the fused ReLU's shapes only. */
    private static float[][] forward(Device dev, Shape s, float[] x, float[] residual, float[] gamma, float[] beta, float[] rm,
            float[] rv) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), g = Tensor.of(dev, gamma, gamma.length), b = Tensor.of(dev, beta, beta.length);
            Tensor m = Tensor.of(dev, rm, rm.length), v = Tensor.of(dev, rv, rv.length);
            Tensor sm = Tensor.empty(dev, s.channels), si = Tensor.empty(dev, s.channels), y = Tensor.empty(dev, x.length);
            Tensor r = residual == null ? null : Tensor.of(dev, residual, residual.length);
            Native.batchNormForward(dev, s.desc(), tx.address(), r == null ? 0 : r.address(), g.address(), b.address(), m.address(),
                    v.address(), sm.address(), si.address(), y.address());
            return new float[][] {y.toFloatArray(), sm.toFloatArray(), si.toFloatArray()};
        }
    }

    /** dx, and with {@code residualToo} the residual's gradient (the fused forward's backward). */
    private static float[][] backwardData(Device dev, Shape s, float[] x, float[] y, float[] dy, float[] gamma, float[] sm,
            float[] si, boolean residualToo) {
        try (Scope scope = Scope.open()) {
            Tensor tx = Tensor.of(dev, x, x.length), ty = Tensor.of(dev, y, y.length), tdy = Tensor.of(dev, dy, dy.length);
            Tensor g = Tensor.of(dev, gamma, gamma.length), m = Tensor.of(dev, sm, sm.length), i = Tensor.of(dev, si, si.length);
            Tensor dx = Tensor.empty(dev, x.length), dg = Tensor.empty(dev, gamma.length), db = Tensor.empty(dev, gamma.length);
            Tensor dr = residualToo ? Tensor.empty(dev, x.length) : null;
            Native.batchNormBackward(dev, s.desc(), tx.address(), ty.address(), tdy.address(), g.address(), m.address(), i.address(),
                    dx.address(), dr == null ? 0 : dr.address(), dg.address(), db.address(), false);
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
        float[][] out = forward(dev, s, x, null, gamma, beta, rm.clone(), rv.clone());
        double[] ref = reference(s, x, gamma, beta, rm, rv);
        assertClose("y", ref, out[0], 1e-4 * Check.maxAbs(ref) + 1e-5);
        float[] dx = backwardData(dev, s, x, out[0], r, gamma, out[1], out[2], false)[0];
        GradCheck.check("batchnorm dx", in -> forward(dev, s, in, null, gamma, beta, rm.clone(), rv.clone())[0], x, r, dx, 1e-3);
        if (!s.relu) return;
        // The residual addition fused before the ReLU (a ResNet block's end): y = max(batchnorm(x) + res, 0).
        float[] res = uniform(7, s.n());
        float[][] fused = forward(dev, s, x, res, gamma, beta, rm.clone(), rv.clone());
        Shape plain = new Shape(s.batch, s.channels, s.spatial, s.training, false);
        double[] pre = reference(plain, x, gamma, beta, rm, rv);
        double[] want = new double[pre.length];
        for (int i = 0; i < pre.length; i++) want[i] = Math.max(pre[i] + res[i], 0);
        assertClose("y of batchnorm + residual + relu", want, fused[0], 1e-4 * Check.maxAbs(want) + 1e-5);
        float[][] grads = backwardData(dev, s, x, fused[0], r, gamma, fused[1], fused[2], true);
        GradCheck.check("batchnorm + residual + relu dx", in -> forward(dev, s, in, res, gamma, beta, rm.clone(), rv.clone())[0], x,
                r, grads[0], 1e-3);
        GradCheck.check("batchnorm + residual + relu dresidual",
                in -> forward(dev, s, x, in, gamma, beta, rm.clone(), rv.clone())[0], res, r, grads[1], 1e-3);
    }
}
