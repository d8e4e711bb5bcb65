package dev.anvil.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.data.FashionMnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The anvil command run in-process, with its output captured. */
class CliTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Exit code and captured output of one run. */
    record Result(int code, String out, String err) {}

    static Result anvil(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static void assertFails(Result r, String... fragments) {
        assertNotEquals(0, r.code(), "exit code; output: " + r.out());
        for (String f : fragments) assertTrue(r.err().contains(f), "error lacks '" + f + "': " + r.err());
    }

    @Test
    void info() {
        Result r = anvil("info");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cpu features"), r.out());
        assertTrue(r.out().contains("cuda"), r.out());
    }

    @Test
    void trainWritesMetricsAndACheckpointAndResumes() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()),
                "Fashion-MNIST is not installed in " + FashionMnist.defaultDir() + " (apt-get install dataset-fashion-mnist)");
        Path metrics = dir.resolve("m.jsonl"), checkpoint = dir.resolve("c.ckpt");
        String[] args = {"train", "--epochs", "1", "--limit", "640", "--test-limit", "500", "--no-progress", "--metrics",
                metrics.toString(), "--checkpoint", checkpoint.toString()};
        Result r = anvil(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Total parameters: "), r.out());
        assertTrue(r.out().contains("epoch 1/1"), r.out());
        assertTrue(r.out().contains("test accuracy: "), r.out());

        List<String> lines = Files.readAllLines(metrics);
        assertEquals(1, lines.size(), "one JSON line per epoch: " + lines);
        String json = lines.get(0);
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        for (String key : List.of("epoch", "train_loss", "images_per_s", "test_accuracy", "seconds")) {
            assertTrue(json.contains("\"" + key + "\":"), key + " missing from " + json);
        }
        assertTrue(json.contains("\"epoch\":1,"), json);
        assertTrue(Files.size(checkpoint) > 3_274_634L * 4, "checkpoint holds the parameters");

        String[] resume = Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        Result again = anvil(resume);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("nothing to do"), again.out());
        assertEquals(1, Files.readAllLines(metrics).size(), "a run with nothing to do adds no metrics");
    }

    @Test
    void missingDatasetSaysHowToInstallIt() {
        Result r = anvil("train", "--data", dir.toString(), "--no-progress");
        assertEquals(1, r.code());
        assertFails(r, "apt-get install dataset-fashion-mnist", dir.toString());
    }

    @Test
    void badNumbersAreRejected() {
        assertFails(anvil("train", "--batch", "0"), "--batch must be positive");
        assertFails(anvil("train", "--epochs", "0"), "--epochs must be positive");
        assertFails(anvil("train", "--epochs", "-3"), "--epochs must be positive");
        assertFails(anvil("train", "--limit", "0"), "--limit must be positive");
        assertFails(anvil("train", "--resume"), "--resume needs --checkpoint");
        assertFails(anvil("train", "--batch", "many"), "--batch");
    }

    @Test
    void cudaIsReportedUnusable() {
        assertFails(anvil("train", "--device", "cuda"), "cuda:0 is not usable", "CUDA");
        assertFails(anvil("train", "--device", "tpu"), "bad device 'tpu'");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = anvil("train", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }
}
