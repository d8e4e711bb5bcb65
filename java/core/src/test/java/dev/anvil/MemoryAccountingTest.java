package dev.anvil;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Peak live bytes on the CPU and leak reports aggregated by allocation site. */
class MemoryAccountingTest {
    @Test
    void peakLiveBytesOnTheCpu() {
        Device cpu = Device.cpu();
        long base = Tensor.liveBytes(cpu);
        Tensor.resetPeakLiveBytes(cpu);
        assertEquals(base, Tensor.peakLiveBytes(cpu));
        try (Tensor a = Tensor.empty(1000)) {
            assertEquals(base + 4000, Tensor.peakLiveBytes(cpu));
        }
        try (Tensor b = Tensor.empty(500)) {
            assertEquals(base + 2000, Tensor.liveBytes(cpu));
            assertEquals(base + 4000, Tensor.peakLiveBytes(cpu), "the peak stays after the big tensor is closed");
        }
        Tensor.resetPeakLiveBytes(cpu);
        assertEquals(base, Tensor.peakLiveBytes(cpu));
        assertThrows(NullPointerException.class, () -> Tensor.peakLiveBytes(null));
    }

    @Test
    void leaksAreCountedPerSite() {
        String site = "dev.anvil.Example.loop(Example.java:42)";
        for (int i = 0; i < 12; i++) Memory.leaked(site, "tensor FLOAT32[2]", 8);
        Memory.leaked("elsewhere", "tensor INT32[1]", 4);
        long[] t = Memory.leaks().get(site);
        assertArrayEquals(new long[] {12, 96}, t);
        assertArrayEquals(new long[] {1, 4}, Memory.leaks().get("elsewhere"));
    }

    @Test
    void allocationSiteIsTheCallerOutsideTensorAndMemory() {
        String site = Memory.allocationSite();
        assertTrue(site.startsWith(MemoryAccountingTest.class.getName() + ".allocationSiteIsTheCallerOutsideTensorAndMemory("), site);
    }
}
