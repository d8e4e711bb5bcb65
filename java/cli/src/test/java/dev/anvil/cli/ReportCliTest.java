package dev.anvil.cli;

import static dev.anvil.cli.CliTest.anvil;
import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** anvil train --report. */
class ReportCliTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    @Test
    void trainWritesTheReport() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()),
                "Fashion-MNIST is not installed in " + FashionMnist.defaultDir() + " (apt-get install dataset-fashion-mnist)");
        Path report = dir.resolve("report");
        CliTest.Result r = anvil("train", "--epochs", "1", "--limit", "640", "--test-limit", "200", "--no-progress", "--report", report.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("report: " + report.resolve("report.html")), r.out());
        List<String> epochs = Files.readAllLines(report.resolve("epochs.csv"));
        assertEquals(2, epochs.size(), "header and one epoch");
        assertTrue(epochs.get(1).startsWith("1,"), epochs.get(1));
        assertEquals(0.01, Double.parseDouble(epochs.get(1).split(",")[6]), 1e-6, "the learning rate of the cnn recipe");
        assertEquals(1 + 10, Files.readAllLines(report.resolve("steps.csv")).size(), "640 samples in batches of 64");
        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.contains("id=\"epoch-train-loss\"") && html.contains("<polyline"), "plots");
    }

    @Test
    void dataParallelRunsRefuseIt() {
        CliTest.Result r = anvil("train", "--ranks", "2", "--report", dir.toString(), "--no-progress", "--limit", "64");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--report is written by single-process runs only"), r.err());
    }
}
