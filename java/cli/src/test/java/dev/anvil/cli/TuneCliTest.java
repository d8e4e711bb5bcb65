package dev.anvil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.FashionMnist;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code anvil tune} run in-process, with its output captured. */
class TuneCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private static Result anvil(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static void assertFails(Result r, String fragment) {
        assertNotEquals(0, r.code(), "exit code; output: " + r.out());
        assertTrue(r.err().contains(fragment), "error lacks '" + fragment + "': " + r.err());
    }

    private static long lines(String out, String fragment) {
        return out.lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void studyResumeAndReport() throws Exception {
        String j = dir.resolve("b.jsonl").toString();
        Result r = anvil("tune", "--objective", "branin", "--journal", j, "--trials", "12", "--sampler", "random", "--seed", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(12, lines(r.out(), " COMPLETE "), r.out());
        assertTrue(r.out().contains("best: trial "), r.out());
        assertFails(anvil("tune", "--objective", "branin", "--journal", j, "--trials", "15"), "already holds study 'study' with 12 trials: resume it");
        Result more = anvil("tune", "--objective", "branin", "--journal", j, "--trials", "15", "--sampler", "tpe", "--resume");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("12 of 15 trials done"), more.out());
        assertEquals(3, lines(more.out(), " COMPLETE "), more.out());
        Result report = anvil("tune", "report", "--journal", j);
        assertEquals(0, report.code(), report.err());
        assertTrue(report.out().contains("15 trials (15 complete"), report.out());
        String html = Files.readString(dir.resolve("b.html"));
        assertTrue(html.contains("<h2>Optimisation history</h2>"));
    }

    @Test
    void workerProcesses() {
        String j = dir.resolve("p.jsonl").toString();
        Result r = anvil("tune", "--objective", "hartmann6", "--journal", j, "--trials", "10", "--parallel", "2", "--sampler", "cmaes", "--seed", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 at a time (processes, 1 threads each)"), r.out());
        assertEquals(10, lines(r.out(), " COMPLETE "), r.out());
    }

    @Test
    void badInputGivesClearErrors() throws Exception {
        String j = dir.resolve("x.jsonl").toString();
        assertFails(anvil("tune", "--objective", "branin", "--trials", "3"), "--journal is required");
        assertFails(anvil("tune", "--objective", "branin", "--journal", j, "--sampler", "bayes"), "unknown sampler 'bayes'");
        assertFails(anvil("tune", "--objective", "branin", "--journal", j, "--pruner", "hyperband"), "unknown pruner 'hyperband'");
        assertFails(anvil("tune", "--objective", "branin", "--journal", j, "--trials", "0"), "--trials must be positive");
        assertFails(anvil("tune", "--journal", j), "--space is needed for objective fmnist-cnn");
        Path space = dir.resolve("space.json");
        Files.writeString(space, "{\"lr\": {\"type\": \"float\", \"low\": -1, \"high\": 1, \"log\": true}}");
        assertFails(anvil("tune", "--space", space.toString(), "--journal", j), "parameter 'lr': log scale needs a positive low bound");
        Files.writeString(space, "{\"x0\": {\"type\": \"float\", \"low\": 0, \"high\": 1}}");
        assertEquals(0, anvil("tune", "--objective", "branin", "--journal", j, "--trials", "2").code());
        assertFails(anvil("tune", "--objective", "branin", "--space", space.toString(), "--journal", j, "--resume"), "over a different search space");
        assertFails(anvil("tune", "report", "--journal", dir.resolve("none.jsonl").toString()), "does not exist");
        assertFails(anvil("tune", "train", "--param", "optimizer=rmsprop"), "optimizer must be sgd, adam or adamw");
    }

    @Test
    void trainsTheFmnistObjectiveAndOneRecipe() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST is not installed in " + FashionMnist.defaultDir());
        Path space = dir.resolve("space.json");
        Files.writeString(space, "{\"lr\": {\"type\": \"float\", \"low\": 0.01, \"high\": 0.1, \"log\": true}, "
                + "\"width\": {\"type\": \"categorical\", \"choices\": [0.25]}}");
        String j = dir.resolve("f.jsonl").toString();
        Result r = anvil("tune", "--space", space.toString(), "--journal", j, "--trials", "2", "--epochs", "1", "--limit", "512", "--val", "256",
                "--pruner", "asha", "--seed", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("anvil tune train --epochs 1 --param optimizer=sgd --param lr="), r.out());
        Result t = anvil("tune", "train", "--epochs", "1", "--limit", "512", "--param", "width=0.25", "--param", "lr=0.05");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test accuracy: 0."), t.out());
    }
}
