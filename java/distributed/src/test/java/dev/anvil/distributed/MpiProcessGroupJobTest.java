package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes under mpirun ({@link MpiRankMain}): the collectives and DDP training give both ranks
 * bit-identical results that match a single-process reference, and a rank that stalls makes the
 * other fail within the timeout and the job end. Skipped where mpirun is not installed (Debian:
 * apt-get install openmpi-bin).
 */
class MpiProcessGroupJobTest {
    /** Bound on a whole job, far above its normal run time: a hang fails the test instead of blocking it. */
    private static final long JOB_LIMIT_SECONDS = 120;

    @BeforeAll
    static void requireMpirun() {
        assumeTrue(mpirun() != null, "mpirun is not installed (apt-get install openmpi-bin): MPI jobs not tested");
    }

    @Test
    void twoRanksAgreeBitForBitAndMatchOneProcess(@TempDir Path dir) throws Exception {
        Job job = run("collectives", dir);
        assertEquals(0, job.exitCode(), job.output());
        Map<String, float[]> rank0 = floats(dir.resolve("rank-0.txt")), rank1 = floats(dir.resolve("rank-1.txt"));
        assertEquals(rank0.keySet(), rank1.keySet());
        rank0.forEach((name, values) -> assertArrayEquals(bits(values), bits(rank1.get(name)), name));

        float[] a = MpiRankMain.input(0), b = MpiRankMain.input(1);
        float[] sum = new float[a.length], avg = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            avg[i] = sum[i] / MpiRankMain.WORLD;
        }
        assertClose(sum, rank0.get("sum"), "sum");
        assertClose(avg, rank0.get("avg"), "avg");
        assertClose(b, rank0.get("broadcast"), "broadcast from rank 1");

        List<String> lines = Files.readAllLines(dir.resolve("rank-0.txt"));
        String gathered = "allGather " + new String(MpiRankMain.gathered(0), StandardCharsets.UTF_8) + " "
                + new String(MpiRankMain.gathered(1), StandardCharsets.UTF_8);
        assertTrue(lines.contains(gathered), lines.toString());
        assertTrue(lines.contains("allGatherEmpty 2"), lines.toString());

        List<float[]> expected = DistributedDataParallelTest.reference(
                DistributedDataParallelTest.samplerBuilder(0, MpiRankMain.WORLD, ShardingStrategy.strided()),
                new DistributedDataParallelTest.Bands(DistributedDataParallelTest.SIZE));
        List<float[]> trained = new ArrayList<>();
        for (int i = 0; rank0.containsKey("parameter" + i); i++) trained.add(rank0.get("parameter" + i));
        assertEquals(expected.size(), trained.size());
        DistributedDataParallelTest.assertClose(expected, trained);
    }

    @Test
    void aStalledRankMakesTheOtherFailWithinTheTimeoutAndEndsTheJob(@TempDir Path dir) throws Exception {
        Job job = run("stall", dir);
        assertNotEquals(0, job.exitCode(), "mpirun must report the aborted job\n" + job.output());
        List<String> report = Files.readAllLines(dir.resolve("rank-0.txt"));
        long waitedMs = Long.parseLong(report.get(0));
        String message = report.get(1);
        assertTrue(message.startsWith("rank 0: allReduce(SUM) #1 of " + MpiRankMain.LENGTH * Float.BYTES + " bytes timed out after "
                + MpiRankMain.STALL_TIMEOUT.toMillis() + " ms"), message);
        assertTrue(waitedMs >= MpiRankMain.STALL_TIMEOUT.toMillis() && waitedMs < MpiRankMain.STALL_TIMEOUT.toMillis() + 2000,
                "rank 0 waited " + waitedMs + " ms");
        assertTrue(job.seconds() < MpiRankMain.STALL_TIMEOUT.multipliedBy(10).toSeconds(),
                "the job must be aborted before the stalled rank wakes up; it took " + job.seconds() + " s");
    }

    // ------------------------------------------------------------------ running a job

    record Job(int exitCode, String output, double seconds) {}

    /** mpirun -np 2 java -cp <this test's class path> MpiRankMain scenario dir, bounded by JOB_LIMIT_SECONDS. */
    private static Job run(String scenario, Path dir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(mpirun(), "--allow-run-as-root", "--oversubscribe", "-np",
                String.valueOf(MpiRankMain.WORLD), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        String binding = System.getProperty("anvil.binding");
        if (binding != null) command.add("-Danvil.binding=" + binding);
        if (Runtime.version().feature() >= 22) command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of(MpiRankMain.class.getName(), scenario, dir.toString()));
        Path log = dir.resolve("mpirun.log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(JOB_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("mpirun still running after " + JOB_LIMIT_SECONDS + " s:\n" + Files.readString(log));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        return new Job(p.exitValue(), Files.readString(log), (System.nanoTime() - start) / 1e9);
    }

    private static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mpirun");
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        return null;
    }

    // ------------------------------------------------------------------ results

    private static Map<String, float[]> floats(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] words = line.split(" ");
            if (!words[0].equals("sum") && !words[0].equals("avg") && !words[0].equals("broadcast")
                    && !words[0].startsWith("parameter")) continue;
            float[] values = new float[words.length - 1];
            for (int i = 1; i < words.length; i++) values[i - 1] = Float.intBitsToFloat(Integer.parseUnsignedInt(words[i], 16));
            out.put(words[0], values);
        }
        return out;
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) out[i] = Float.floatToRawIntBits(values[i]);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tolerance, what + " [" + i + "]");
        }
    }
}
