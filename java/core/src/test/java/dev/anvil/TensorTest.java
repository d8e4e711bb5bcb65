package dev.anvil;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TensorTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    @Test
    void roundTripsDataAndFreesOnClose() {
        try (Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
            assertEquals(24, Tensor.liveBytes());
            t.fill(7f);
            assertEquals(7f, t.toFloatArray()[5]);
        }
    }

    @Test
    void reshapeIsAViewThatDiesWithItsBase() {
        Tensor t = Tensor.zeros(2, 3, 4);
        Tensor v = t.reshape(6, -1);
        assertArrayEquals(new long[] {6, 4}, v.shape());
        v.fill(1f);
        assertEquals(1f, t.toFloatArray()[23]);
        v.close();
        assertFalse(t.isClosed(), "closing a view must not free its base");
        Tensor v2 = t.reshape(24);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, v2::toFloatArray);
        assertTrue(e.getMessage().contains("view of a closed tensor"), e.getMessage());
    }

    @Test
    void closedTensorIsRejectedWithItsShape() {
        Tensor t = Tensor.zeros(3, 5);
        t.close();
        t.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, t::address);
        assertThrows(IllegalStateException.class, t::retain);
        assertTrue(e.getMessage().contains("[3, 5]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> t.fill(1f));
    }

    @Test
    void badShapesAndLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 0));
        try (Tensor scalar = Tensor.zeros()) { // a 0-dimensional tensor (PyTorch's scalars) holds one element
            assertEquals(1, scalar.numel());
            assertEquals("[]", scalar.shapeString());
            assertThrows(IllegalArgumentException.class, () -> scalar.narrow(0, 0, 1));
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Long.MAX_VALUE, 4));
        assertTrue(overflow.getMessage().contains("[9223372036854775807, 4]") && overflow.getMessage().contains("256 TiB"),
                overflow.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Long.MAX_VALUE));
        assertTrue(huge.getMessage().contains("[9223372036854775807]") && huge.getMessage().contains("281474976710656 bytes"),
                huge.getMessage());
        try (Tensor t = Tensor.zeros(2, 3)) {
            assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
            assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
            assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new int[6]));
        }
    }

    @Test
    void scopeClosesWhatWasCreatedInside() {
        Tensor kept;
        try (Scope scope = Scope.open()) {
            Tensor.zeros(10);
            Tensor.zeros(20);
            kept = scope.keep(Tensor.zeros(4));
            assertEquals(2, scope.size());
        }
        assertEquals(16, Tensor.liveBytes());
        assertFalse(kept.isClosed());
        kept.close();
    }

    @Test
    void intTensorsCarryLabels() {
        try (Tensor t = Tensor.ofInts(new int[] {3, 1, 4}, 3)) {
            assertEquals(DType.INT32, t.dtype());
            assertArrayEquals(new int[] {3, 1, 4}, t.toIntArray());
            assertThrows(IllegalArgumentException.class, t::floatBuffer);
        }
    }

    @Test
    void cpuTensorsAreOnTheCpuAndStayThere() {
        try (Tensor t = Tensor.of(new float[] {1, 2}, 2)) {
            assertEquals(Device.cpu(), t.device());
            assertSame(t, t.to(Device.cpu()));
            assertEquals(8, Tensor.liveBytes(Device.cpu()));
            assertFalse(t.isPinned());
        }
        assertEquals(0, Tensor.liveBytes(Device.cpu()));
        assertThrows(IllegalArgumentException.class, () -> Anvil.cudaMemoryStats(Device.cpu()));
        assertThrows(IllegalArgumentException.class, () -> Anvil.emptyCache(Device.cpu()));
        Anvil.synchronize(Device.cpu()); // nothing to wait for
    }

    @Test
    void copyUnscopedOutlivesTheScopeAndOwnsItsMemory() {
        Tensor copy;
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(new float[] {3, 1, 4}, 3);
            copy = t.copyUnscoped(Device.cpu());
            t.fill(0f);
        }
        assertFalse(copy.isClosed());
        assertArrayEquals(new float[] {3, 1, 4}, copy.toFloatArray());
        copy.close();
    }
}
