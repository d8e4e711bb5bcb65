package dev.anvil.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Anvil;
import dev.anvil.AnvilException;
import dev.anvil.internal.Native;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The op tests of this JVM ran at the instruction-set level its ANVIL_CPU_ISA asked for (the build
 * runs them once per level): the kernels report that level, and the variants that go with it.
 */
class CpuLevelTest {
    private static final List<String> LEVELS = List.of("portable", "avx2", "avx512", "avx512vbmi");
    private static final Pattern LEVEL = Pattern.compile("level: (\\w+) \\((.*); the CPU has (\\w+)\\)");

    @Test
    void theKernelsRunAtTheRequestedLevel() {
        String[] lines = Anvil.cpuKernels().split("\n");
        Matcher m = LEVEL.matcher(lines[0]);
        assertTrue(m.matches(), lines[0]);
        String cap = System.getenv("ANVIL_CPU_ISA");
        int cpu = LEVELS.indexOf(m.group(3));
        if (cap == null || cap.isEmpty()) {
            assertEquals("no cap", m.group(2));
            assertEquals(m.group(3), m.group(1));
            return;
        }
        assertEquals("capped by ANVIL_CPU_ISA=" + cap, m.group(2));
        int expected = Math.min(cpu, LEVELS.indexOf(cap));
        assertEquals(LEVELS.get(expected), m.group(1));
        String conv = lines[2];
        assertEquals(expected >= 2, conv.startsWith("conv2d: Winograd"), conv);
        assertTrue(lines[1].contains(expected == 0 ? "generic" : expected == 1 ? "avx2" : "avx512"), lines[1]);
    }

    @Test
    void theLevelCannotChangeOnceTheKernelsRun() {
        Anvil.cpuKernels(); // fixes the level, as the first op does
        String current = LEVEL.matcher(Anvil.cpuKernels().split("\n")[0]).replaceAll("$1");
        String other = current.equals("portable") ? "avx2" : "portable";
        AnvilException e = assertThrows(AnvilException.class,
                () -> Native.cpuIsaLimit(other));
        assertTrue(e.getMessage().contains("already run at level " + current), e.getMessage());
        Native.cpuIsaLimit(current); // the level in force is accepted
        AnvilException bad = assertThrows(AnvilException.class,
                () -> Native.cpuIsaLimit("sse9"));
        assertTrue(bad.getMessage().contains("unknown instruction-set level 'sse9'"), bad.getMessage());
    }
}
