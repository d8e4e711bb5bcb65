package dev.anvil.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.data.FashionMnist;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.Models;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code anvil launch} with real worker JVMs, and data-parallel {@code anvil train} checkpoints and resume. */
class DataParallelCliTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsTheDataSet() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()),
                "SKIPPED: Fashion-MNIST is not installed in " + FashionMnist.defaultDir() + " (apt-get install dataset-fashion-mnist)");
    }

    @AfterEach
    void cleanUp() {
        System.clearProperty("anvil.fault.rank");
        System.clearProperty("anvil.fault.afterSteps");
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    record Result(int code, String out, String err) {}

    private static Result anvil(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void launchTrainsWithTwoWorkerProcesses() {
        Result r = anvil("launch", "--nproc-per-node", "2", "--timeout", "60", "--", "train", "--epochs", "1", "--limit", "1280",
                "--test-limit", "500", "--no-progress", "--threads", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("[rank 0] epoch 1/1"), r.out());
        assertTrue(r.out().matches("(?s).*\\[rank 0\\] test accuracy: 0\\.\\d{4}.*"), r.out());
        assertTrue(r.out().contains("2 ranks"), r.out());
    }

    @Test
    void launchTrainsPrivatelyWithTwoWorkerProcesses() {
        Result r = anvil("launch", "--nproc-per-node", "2", "--timeout", "60", "--", "train", "--dp", "--target-epsilon", "3",
                "--epochs", "1", "--batch", "128", "--lr", "1", "--limit", "1280", "--test-limit", "500", "--no-progress", "--threads", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("noise added once by rank 0"), r.out());
        assertTrue(r.out().matches("(?s).*\\[rank 0\\] epoch 1/1: .* epsilon [0-9.]+ .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\[rank 0\\] test accuracy: 0\\.\\d{4} at epsilon [0-9.]+.*"), r.out());
        assertFalse(r.out().contains("[rank 1] epoch"), "rank 0 alone reports: " + r.out());
    }

    @Test
    void aFailingWorkerStopsTheOthersAndFailsTheLaunch() {
        System.setProperty("anvil.fault.rank", "1");
        System.setProperty("anvil.fault.afterSteps", "2");
        long start = System.nanoTime();
        Result r = anvil("launch", "--nproc-per-node", "2", "--timeout", "60", "--", "train", "--epochs", "1", "--limit", "1280",
                "--test-limit", "500", "--no-progress", "--threads", "1");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("anvil launch: rank 1 failed with exit code 1"), r.err());
        assertTrue(r.err().contains("rank 1 fails after 2 steps"), r.err());
        assertTrue((System.nanoTime() - start) / 1e9 < 55, "stopped long before the 60 s timeout");
    }

    @Test
    void resumeFromAMidEpochCheckpointReproducesTheUninterruptedRun() throws IOException {
        Path whole = dir.resolve("whole.ckpt"), resumed = dir.resolve("resumed.ckpt");
        String[] common = {"train", "--ranks", "2", "--backend", "tcp", "--epochs", "2", "--limit", "256", "--batch", "16",
                "--test-limit", "100", "--no-progress", "--threads", "1", "--timeout", "30"};
        Result r = anvil(concat(common, "--checkpoint", whole.toString()));
        assertEquals(0, r.code(), r.err());

        System.setProperty("anvil.fault.rank", "0"); // 8 steps per epoch: fails in epoch 1 after step 5, checkpoint at step 3
        System.setProperty("anvil.fault.afterSteps", "5");
        Result crashed = anvil(concat(common, "--checkpoint", resumed.toString(), "--checkpoint-every", "3"));
        assertNotEquals(0, crashed.code(), crashed.out());
        System.clearProperty("anvil.fault.rank");
        assertEquals("3", meta(resumed).get("step"), "the last checkpoint is the one of step 3");
        assertEquals("0", meta(resumed).get("epoch"));

        Result again = anvil(concat(common, "--checkpoint", resumed.toString(), "--checkpoint-every", "3", "--resume"));
        assertEquals(0, again.code(), again.err());
        assertTrue(parameters(whole).equals(parameters(resumed)), "the resumed run ends with bit-identical parameters");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Map<String, String> meta(Path checkpoint) throws IOException {
        try (Sequential model = Models.fashionMnistCnn()) {
            return Checkpoint.load(checkpoint, model, null);
        }
    }

    private static List<List<Float>> parameters(Path checkpoint) throws IOException {
        try (Sequential model = Models.fashionMnistCnn()) {
            Checkpoint.load(checkpoint, model, null);
            return model.parameters().stream().map(Parameter::value).map(Tensor::toFloatArray).map(DataParallelCliTest::boxed).toList();
        }
    }

    private static List<Float> boxed(float[] v) {
        List<Float> out = new java.util.ArrayList<>(v.length);
        for (float x : v) out.add(x);
        return out;
    }
}
