package dev.anvil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import dev.anvil.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** anvil train --dp, in-process. */
class DpCliTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static void assertFails(CliTest.Result r, String fragment) {
        assertNotEquals(0, r.code(), "exit code; output: " + r.out());
        assertTrue(r.err().contains(fragment), "error lacks '" + fragment + "': " + r.err());
    }

    @Test
    void privateTrainingPrintsEpsilonPerEpochAndResumes() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST is not installed");
        Path metrics = dir.resolve("m.jsonl"), checkpoint = dir.resolve("c.ckpt");
        String[] args = {"train", "--dp", "--target-epsilon", "3", "--delta", "1e-5", "--max-grad-norm", "1.0", "--epochs", "2",
                "--batch", "200", "--lr", "1", "--limit", "2000", "--test-limit", "500", "--no-progress", "--metrics", metrics.toString(),
                "--checkpoint", checkpoint.toString()};
        CliTest.Result r = CliTest.anvil(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Total parameters: 26,010"), "the private CNN is the default with --dp: " + r.out());
        Matcher m = Pattern.compile("epoch 2/2: .* epsilon ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double eps = Double.parseDouble(m.group(1));
        assertTrue(eps <= 3 && eps > 2.9, "the planned budget is spent: " + eps);
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).contains("\"epsilon\":") && lines.get(1).contains("\"noise_multiplier\":"), lines.get(1));

        String[] resume = Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        CliTest.Result again = CliTest.anvil(resume);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resumed from") && again.out().contains("after epoch 2"), again.out());
        assertTrue(again.out().contains("nothing to do"), again.out());
    }

    /** The final line's test accuracy and epsilon. */
    private static double[] accuracyAndEpsilon(CliTest.Result r) {
        Matcher m = Pattern.compile("test accuracy: ([0-9.]+) at epsilon ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    @Test
    void twoRanksTrainAsOneProcessWouldAndSpendTheSameEpsilon() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST is not installed");
        String[] args = {"train", "--dp", "--target-epsilon", "3", "--delta", "1e-5", "--max-grad-norm", "1.0", "--epochs", "1",
                "--batch", "200", "--lr", "1", "--limit", "2000", "--test-limit", "500", "--no-progress", "--threads", "2"};
        CliTest.Result one = CliTest.anvil(args);
        assertEquals(0, one.code(), one.err());
        String[] ranks = Arrays.copyOf(args, args.length + 2);
        ranks[args.length] = "--ranks";
        ranks[args.length + 1] = "2";
        CliTest.Result two = CliTest.anvil(ranks);
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("2 ranks") && two.out().contains("noise added once by rank 0"), two.out());
        assertEquals(1, two.out().split("epoch 1/1", -1).length - 1, "rank 0 alone reports: " + two.out());
        double[] a = accuracyAndEpsilon(one), b = accuracyAndEpsilon(two);
        assertEquals(a[1], b[1], 0, "the same accountant history");
        // The same batches (together) and noise; only the order of float additions differs.
        assertEquals(a[0], b[0], 0.01, "test accuracy of one process and of two ranks");
    }

    @Test
    void badPrivacySettingsFailBeforeTraining() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST is not installed");
        assertFails(CliTest.anvil("train", "--dp", "--limit", "1000"), "--target-epsilon");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "0", "--limit", "1000"), "--target-epsilon must be > 0");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--max-grad-norm", "0", "--limit", "1000"), "--max-grad-norm");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--delta", "1e-3", "--limit", "1000"), "1/N");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "0.001", "--limit", "1000"), "cannot be reached");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--model", "resnet", "--limit", "1000"), "GroupNorm");
        assertFails(CliTest.anvil("train", "--target-epsilon", "3", "--limit", "1000"), "need --dp");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--clip-grad-norm", "1", "--limit", "1000"),
                "do not apply to --dp");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--checkpoint-every", "5", "--limit", "1000"),
                "--checkpoint-every does not apply to --dp");
        assertFails(CliTest.anvil("train", "--dp", "--target-epsilon", "3", "--ranks", "2", "--report", "r", "--limit", "1000"),
                "--report");
    }
}
