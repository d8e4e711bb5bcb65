package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.internal.Native;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Devices: the CPU always; CUDA fails at once with the reason where it cannot be used. */
class DeviceTest {
    @Test
    void parsesDeviceNames() {
        assertEquals(Device.cpu(), Device.parse("cpu"));
        assertEquals("cpu", Device.cpu().toString());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
        assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
    }

    @Test
    void cudaFailsAtOnceSayingWhy() {
        String why = Device.cudaUnavailableReason();
        Assumptions.assumeTrue(why != null, "CUDA is usable here: CudaTensorTest covers it");
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> Device.cuda(0));
        assertTrue(e.getMessage().contains("cuda:0 is not usable") && e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void withoutUsableCudaNoDeviceIsListed() {
        String nativeReason = Native.cudaUnavailableReason();
        Assumptions.assumeTrue(nativeReason != null, "CUDA is usable here: the GPU test below covers it");
        assertFalse(nativeReason.isBlank());
        assertEquals(0, Native.cudaDeviceCount());
        assertEquals(List.of(), Anvil.cudaDevices());
    }

    @Test
    void gpusAreListedWithTheirProperties() {
        String nativeReason = Native.cudaUnavailableReason();
        Assumptions.assumeTrue(nativeReason == null, "no usable CUDA here: " + nativeReason);
        List<String> gpus = Anvil.cudaDevices();
        assertEquals(Native.cudaDeviceCount(), gpus.size());
        assertTrue(gpus.get(0).startsWith("cuda:0 ") && gpus.get(0).contains("compute"), gpus.get(0));
    }
}
