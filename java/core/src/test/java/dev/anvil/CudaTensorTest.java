package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.internal.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tensors on a GPU: copies both ways, host access refused with a clear message, and memory
 * accounting (live bytes per device, the caching allocator's statistics) back to where it
 * started. Skipped, with the reason, where CUDA is not usable.
 */
class CudaTensorTest {
    private Device gpu;
    private long allocatedBefore;

    @BeforeEach
    void needsCuda() {
        String why = Device.cudaUnavailableReason();
        Assumptions.assumeTrue(why == null, () -> "no usable CUDA: " + why);
        gpu = Device.cuda(0);
        allocatedBefore = Anvil.cudaMemoryStats(gpu).allocated();
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
        if (gpu == null) return; // skipped
        assertEquals(0, Tensor.liveBytes(gpu), "GPU tensor bytes leaked");
        assertEquals(allocatedBefore, Anvil.cudaMemoryStats(gpu).allocated(), "allocator bytes leaked");
    }

    @Test
    void copiesToTheGpuAndBack() {
        float[] data = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
        try (Scope s = Scope.open()) {
            Tensor host = Tensor.of(data, 2, 3);
            Tensor onGpu = host.to(gpu);
            assertEquals(gpu, onGpu.device());
            assertArrayEquals(new long[] {2, 3}, onGpu.shape());
            assertTrue(Tensor.liveBytes(gpu) >= 24);
            assertArrayEquals(data, onGpu.toFloatArray());
            assertArrayEquals(data, onGpu.to(Device.cpu()).toFloatArray());
            assertSame(onGpu, onGpu.to(gpu), "to() the device a tensor is on returns it");
            Tensor ints = Tensor.ofInts(gpu, new int[] {3, 1, 4}, 3);
            assertArrayEquals(new int[] {3, 1, 4}, ints.toIntArray());
            assertEquals(7f, Tensor.of(gpu, new float[] {7f}, 1).item());
        }
    }

    @Test
    void elementwiseOpsRunOnTheGpu() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.empty(gpu, 1000).fill(2.5f);
            float[] v = t.toFloatArray();
            for (float f : v) assertEquals(2.5f, f);
            Tensor u = Tensor.zeros(gpu, 1000);
            u.copyFrom(t);
            assertArrayEquals(v, u.toFloatArray());
            u.zero();
            assertEquals(0f, u.toFloatArray()[999]);
            Tensor h = Tensor.zeros(1000).copyFrom(t);
            assertArrayEquals(v, h.toFloatArray(), "copy from the GPU into a CPU tensor");
        }
    }

    @Test
    void hostAccessToGpuMemoryIsRefused() {
        try (Tensor t = Tensor.zeros(gpu, 4)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, t::floatBuffer);
            assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("to(Device.cpu())"), e.getMessage());
            assertTrue(t.toString().contains("cuda:0"), t.toString());
        }
    }

    @Test
    void closingReturnsMemoryToTheCache() {
        long bytes = 4L << 20;
        Tensor t = Tensor.empty(gpu, bytes / 4);
        CudaMemoryStats held = Anvil.cudaMemoryStats(gpu);
        assertTrue(held.allocated() >= allocatedBefore + bytes, held.toString());
        assertTrue(held.peakAllocated() >= held.allocated() && held.reserved() >= held.allocated(), held.toString());
        t.close();
        CudaMemoryStats after = Anvil.cudaMemoryStats(gpu);
        assertEquals(allocatedBefore, after.allocated());
        try (Tensor again = Tensor.empty(gpu, bytes / 4)) {
            assertTrue(Anvil.cudaMemoryStats(gpu).cacheHits() > after.cacheHits(), "a freed block is reused");
        }
        Anvil.emptyCache(gpu);
        assertTrue(Anvil.cudaMemoryStats(gpu).reserved() < held.reserved(), "emptyCache returns cached blocks");
    }

    @Test
    void pinnedHostTensorsAreHostTensors() {
        try (Tensor p = Tensor.emptyPinned(gpu, DType.FLOAT32, 16)) {
            assertTrue(p.isPinned());
            assertEquals(Device.cpu(), p.device());
            p.fill(1f);
            assertEquals(16, p.floatBuffer().remaining());
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.emptyPinned(Device.cpu(), DType.FLOAT32, 4));
    }

    @Test
    void aDeviceIndexOutOfRangeFailsSayingHowManyThereAre() {
        int count = Native.cudaDeviceCount();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.cuda(count));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains(count + " CUDA device"), e.getMessage());
        assertFalse(Anvil.cudaDevices().isEmpty());
    }
}
