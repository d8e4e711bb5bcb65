package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.DType;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Linear, Conv2d (both methods) and GroupNorm {@code perSampleSquaredNorms}: each sample's squared gradient norm against the layer's own
 * backward pass run on that sample alone, and the arguments they refuse, naming the layer.
 */
class PerSampleNormsTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 4 - 2);
        return v;
    }

    /** The squared norm of the layer's parameter gradients after a backward pass of sample i alone. */
    private static double oneSample(Layer layer, Tensor x, Tensor dy, int i) {
        for (Parameter p : layer.parameters()) p.zeroGrad();
        layer.train(true);
        layer.forward(x.narrow(0, i, 1));
        layer.backward(dy.narrow(0, i, 1), false);
        double s = 0;
        for (Parameter p : layer.parameters()) s += p.grad().sumOfSquares();
        return s;
    }

    private static void check(Layer layer, Tensor x, Tensor dy, Consumer<Tensor> norms) {
        int batch = (int) x.size(0);
        Tensor sq = Tensor.of(new float[batch], batch);
        sq.fill(0.5f);
        norms.accept(sq);
        float[] got = sq.toFloatArray();
        for (int i = 0; i < batch; i++) {
            double want = 0.5 + oneSample(layer, x, dy, i);
            assertEquals(want, got[i], 1e-5 * want, "sample " + i + " of " + layer);
        }
    }

    @Test
    void normsEqualTheOneSampleGradients() {
        try (Scope scope = Scope.open(); Linear lin = new Linear(7, 5); Linear noBias = new Linear(7, 5, false); GroupNorm gn = new GroupNorm(2, 4)) {
            Tensor x = Tensor.of(random(6 * 7, 1), 6, 7), dy = Tensor.of(random(6 * 5, 2), 6, 5);
            check(lin, x, dy, sq -> lin.perSampleSquaredNorms(x, dy, sq));
            check(noBias, x, dy, sq -> noBias.perSampleSquaredNorms(x, dy, sq));
            try (Conv2d conv = Conv2d.builder(3, 4, 3).stride(2).padding(1).build()) {
                Tensor cx = Tensor.of(random(5 * 3 * 7 * 7, 6), 5, 3, 7, 7), cdy = Tensor.of(random(5 * 4 * 4 * 4, 7), 5, 4, 4, 4);
                check(conv, cx, cdy, sq -> conv.perSampleSquaredNorms(cx, cdy, sq, false));
                check(conv, cx, cdy, sq -> conv.perSampleSquaredNorms(cx, cdy, sq, true));
                check(conv, cx, cdy, sq -> conv.perSampleSquaredNorms(cx, cdy, sq));
            }
            gn.weight().value().copyFrom(random(4, 3));
            Tensor gx = Tensor.of(random(3 * 4 * 9, 4), 3, 4, 3, 3), gdy = Tensor.of(random(3 * 4 * 9, 5), 3, 4, 3, 3);
            check(gn, gx, gdy, sq -> gn.perSampleSquaredNorms(gx, gdy, sq));
        }
    }

    @Test
    void badArgumentsAreRefusedNamingTheLayer() {
        try (Scope scope = Scope.open(); Linear lin = new Linear(7, 5); GroupNorm gn = new GroupNorm(2, 4);
             GroupNorm plain = new GroupNorm(2, 4, 1e-5, false)) {
            Tensor x = Tensor.zeros(6, 7), dy = Tensor.zeros(6, 5), sq = Tensor.zeros(6);
            String m = assertThrows(IllegalArgumentException.class, () -> lin.perSampleSquaredNorms(x, Tensor.zeros(6, 4), sq)).getMessage();
            assertTrue(m.contains("Linear") && m.contains("perSampleSquaredNorms") && m.contains("[6, 5]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> lin.perSampleSquaredNorms(x, dy, Tensor.zeros(5))).getMessage();
            assertTrue(m.contains("sq must be FLOAT32 [6]"), m);
            assertThrows(IllegalArgumentException.class, () -> lin.perSampleSquaredNorms(x, dy, Tensor.empty(DType.INT32, 6)));
            assertThrows(IllegalArgumentException.class, () -> lin.perSampleSquaredNorms(Tensor.zeros(6, 8), dy, sq));
            assertThrows(IllegalArgumentException.class, () -> lin.perSampleSquaredNorms(x, null, sq));
            try (Conv2d conv = new Conv2d(1, 2, 3)) {
                Tensor cx = Tensor.zeros(2, 1, 5, 5);
                m = assertThrows(IllegalArgumentException.class, () -> conv.perSampleSquaredNorms(cx, Tensor.zeros(2, 2, 4, 4), Tensor.zeros(2)))
                        .getMessage();
                assertTrue(m.contains("Conv2d") && m.contains("[2, 2, 3, 3]"), m);
                assertThrows(IllegalArgumentException.class, () -> conv.perSampleSquaredNorms(cx, Tensor.zeros(2, 2, 3, 3), Tensor.zeros(3)));
            }
            Tensor gx = Tensor.zeros(2, 4, 3), gdy = Tensor.zeros(2, 4, 3), gsq = Tensor.zeros(2);
            m = assertThrows(IllegalArgumentException.class, () -> gn.perSampleSquaredNorms(gx, Tensor.zeros(2, 4, 2), gsq)).getMessage();
            assertTrue(m.contains("GroupNorm"), m);
            m = assertThrows(IllegalStateException.class, () -> plain.perSampleSquaredNorms(gx, gdy, gsq)).getMessage();
            assertTrue(m.contains("no affine parameters"), m);
        }
    }
}
