package dev.anvil;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The tensor API's arithmetic against PyTorch 1.13 on x = [[[1, -2, 3], [4, 5, -6]], [[0.5, 0.25, -1],
 * [2, -3, 8]]] ({@code x.sum(0)}, {@code x.sum(1)}, {@code x.mean(-1)}, {@code x.amax(1)},
 * {@code x.argmax(-1)}, {@code x.reshape(4, 3).topk(2)}, a matmul), on every backend there is, and the
 * arguments it refuses. The kernels themselves are checked against double references in
 * native/tests/tensor_ops_test.cpp.
 */
class TensorMathTest {
    private static final float[] X = {1, -2, 3, 4, 5, -6, 0.5f, 0.25f, -1, 2, -3, 8};

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static List<Device> devices() {
        return Device.cudaAvailable() ? List.of(Device.cpu(), Device.cuda(0)) : List.of(Device.cpu());
    }

    private static void assertValues(float[] want, Tensor got, long... shape) {
        assertArrayEquals(shape, got.shape());
        assertArrayEquals(want, got.toFloatArray(), 1e-6f);
    }

    @Test
    void reductionsArgmaxAndTopkMatchPyTorch() {
        for (Device dev : devices()) {
            try (Scope scope = Scope.open(); Tensor x = Tensor.of(dev, X, 2, 2, 3)) {
                assertValues(new float[] {1.5f, -1.75f, 2f, 6f, 2f, 2f}, x.sum(0), 2, 3);
                assertValues(new float[] {5f, 3f, -3f, 2.5f, -2.75f, 7f}, x.sum(1), 2, 3);
                assertValues(new float[] {0.6666666865348816f, 1f, -0.0833333358168602f, 2.3333332538604736f}, x.mean(-1), 2, 2);
                assertValues(new float[] {4f, 5f, 3f, 2f, 0.25f, 8f}, x.amax(1), 2, 3);
                Tensor argmax = x.argmax();
                assertArrayEquals(new long[] {2, 2}, argmax.shape());
                assertArrayEquals(new int[] {2, 1, 0, 2}, argmax.toIntArray());
                Tensor.TopK top = x.reshape(4, 3).topk(2);
                assertValues(new float[] {3f, 1f, 5f, 4f, 0.5f, 0.25f, 8f, 2f}, top.values(), 4, 2);
                assertArrayEquals(new int[] {2, 0, 1, 0, 0, 1, 2, 0}, top.indices().toIntArray());
                assertArrayEquals(new long[] {2, 6}, x.flatten(1).shape());
            }
        }
    }

    @Test
    void elementwiseAndMatmul() {
        for (Device dev : devices()) {
            try (Scope scope = Scope.open(); Tensor a = Tensor.of(dev, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
                    Tensor b = Tensor.of(dev, new float[] {1, 0, -1, 2, 0.5f, 0}, 2, 3)) {
                assertValues(new float[] {5, 1, -1, 11, 2, -3, 17, 3, -5}, a.matmul(b), 3, 3);
                Tensor bt = b.reshape(3, 2);
                assertValues(new float[] {2, 2, 2, 6, 5.5f, 6}, a.add(bt), 3, 2);
                assertValues(new float[] {0, 2, 4, 2, 4.5f, 6}, a.sub(bt), 3, 2);
                assertValues(new float[] {1, 0, -3, 8, 2.5f, 0}, a.mul(bt), 3, 2);
                assertEquals(91.0, a.sumOfSquares(), 1e-12);
                try (Tensor c = Tensor.of(dev, new float[] {1, 2, 3, 4, 5, 6}, 3, 2)) {
                    assertValues(new float[] {3, 2, 1, 8, 6, 6}, c.addScaled(2f, bt), 3, 2);
                }
                float[] q = a.div(bt).toFloatArray();
                assertEquals(1f, q[0]);
                assertEquals(Float.POSITIVE_INFINITY, q[1], "x / 0, as IEEE and PyTorch");
                assertEquals(-3f, q[2]);
            }
        }
    }

    private static void assertRefused(Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void badArgumentsNameTheOpAndShapes() {
        try (Tensor a = Tensor.zeros(2, 3); Tensor b = Tensor.zeros(3, 2); Tensor labels = Tensor.ofInts(new int[] {1, 2}, 2)) {
            assertRefused(() -> a.add(b), "Tensor.add: shapes [2, 3] and [3, 2] differ");
            assertRefused(() -> a.div(b), "Tensor.div: shapes [2, 3] and [3, 2] differ");
            assertRefused(() -> a.matmul(a), "Tensor.matmul: expected [m, k] and [k, n], got [2, 3] and [2, 3]");
            assertRefused(() -> a.sum(2), "Tensor.sum: dimension 2 is out of range for [2, 3]");
            assertRefused(() -> a.mean(-3), "Tensor.mean: dimension -3 is out of range");
            assertRefused(() -> a.topk(4), "Tensor.topk: k must be in [1, 3] for [2, 3], got 4");
            assertRefused(() -> a.topk(0), "k must be in [1, 3]");
            assertRefused(() -> a.flatten(5), "Tensor.flatten: dimension 5 is out of range");
            assertRefused(() -> a.addScaled(2f, b), "Tensor.addScaled: shapes [2, 3] and [3, 2] differ");
            assertRefused(() -> labels.amax(0), "expected a FLOAT32 tensor, got INT32[2]");
            assertThrows(NullPointerException.class, () -> a.mul(null));
        }
        Tensor closed = Tensor.zeros(2, 2);
        closed.close();
        try (Tensor ok = Tensor.zeros(2, 2)) {
            assertThrows(IllegalStateException.class, () -> ok.add(closed));
            assertThrows(IllegalStateException.class, () -> closed.sum(0));
        }
    }
}
