package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pooling with ceil_mode against PyTorch 1.13 ({@code F.avg_pool2d(torch.arange(1., 26.).reshape(1, 1, 5, 5),
 * k, s, p, ceil_mode=True, count_include_pad=True)} and the same for 6x6 and max pooling), and its
 * gradients against finite differences.
 */
class PoolCeilModeTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static float[] arange(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i + 1;
        return x;
    }

    private static void assertPools(Layer pool, int side, long[] shape, double[] want) {
        try (pool; Tensor x = Tensor.of(arange(side * side), 1, 1, side, side)) {
            Tensor y = pool.forward(x);
            assertArrayEquals(shape, y.shape(), pool.toString());
            float[] got = y.toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5, pool + " element " + i);
        }
    }

    @Test
    void matchesPyTorch() {
        assertPools(new AvgPool2d(2, 2, 0, true, true), 5, new long[] {1, 1, 3, 3},
                new double[] {4.0, 6.0, 7.5, 14.0, 16.0, 17.5, 21.5, 23.5, 25.0});
        assertPools(new AvgPool2d(3, 2, 1, true, true), 5, new long[] {1, 1, 3, 3}, new double[] {1.7777777910232544, 3.6666667461395264,
                3.1111111640930176, 7.666666507720947, 13.0, 9.666666984558105, 8.44444465637207, 13.666666984558105, 9.777777671813965});
        // 6x6, 3/2 padding 1: the last window reaches past the padded input, which its divisor leaves out.
        assertPools(new AvgPool2d(3, 2, 1, true, true), 6, new long[] {1, 1, 4, 4}, new double[] {2.0, 4.0, 5.333333492279053, 3.0, 9.0,
                15.0, 17.0, 9.0, 17.0, 27.0, 29.0, 15.0, 10.5, 16.5, 17.5, 9.0});
        assertPools(new MaxPool2d(2, 2, 0, true), 5, new long[] {1, 1, 3, 3}, new double[] {7, 9, 10, 17, 19, 20, 22, 24, 25});
        // 5x5, 2/2 padding 1: rounding up would give 4, but the 4th window would start past the input.
        assertPools(new MaxPool2d(2, 2, 1, true), 5, new long[] {1, 1, 3, 3}, new double[] {1, 3, 5, 11, 13, 15, 21, 23, 25});
        try (MaxPool2d pool = new MaxPool2d(3, 2, 1, true)) {
            assertEquals("MaxPool2d(kernel=3x3, stride=2x2, padding=1x1, ceil_mode)", pool.toString());
            assertArrayEquals(new long[] {2, 4, 8, 8}, pool.outputShape(new long[] {2, 4, 14, 14}));
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LayerGradientTest.checkGradients(new MaxPool2d(2, 2, 0, true), 1e-3f, LayerGradientTest.random(2 * 3 * 7 * 9, 50, -2, 2), 2, 3, 7, 9);
        LayerGradientTest.checkGradients(new AvgPool2d(3, 2, 1, true, true), 1e-3f, LayerGradientTest.random(2 * 6 * 6, 51, -2, 2), 1, 2, 6, 6);
        LayerGradientTest.checkGradients(new AvgPool2d(3, 2, 1, true, false), 1e-3f, LayerGradientTest.random(2 * 6 * 6, 52, -2, 2), 1, 2, 6, 6);
    }
}
