package dev.anvil.report;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.train.EpochResult;
import dev.anvil.train.Evaluation;
import dev.anvil.train.StepProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress line and the metrics file as listeners any program can attach to a Trainer. */
class ListenersTest {
    @TempDir
    Path dir;

    private static final EpochResult E1 = new EpochResult(1, 0.5, 0.75, 1234.56, 2.5, new Evaluation(0.875, 0.25, 100, 0.1));
    private static final EpochResult E2 = new EpochResult(2, 0.25, Double.NaN, 1300, 2.0, null);

    @Test
    void metricsAsJsonLines() throws Exception {
        Path f = dir.resolve("m.jsonl");
        try (MetricsWriter w = new MetricsWriter(f)) {
            w.onEpochEnd(E1);
        }
        try (MetricsWriter w = new MetricsWriter(f)) { // appends
            w.onEpochEnd(E2);
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals("{\"epoch\":1,\"train_loss\":0.500000,\"train_accuracy\":0.750000,\"images_per_s\":1234.6,\"test_accuracy\":0.875000,"
                + "\"test_loss\":0.250000,\"seconds\":2.500}", lines.get(0));
        assertTrue(lines.get(1).contains("\"train_accuracy\":null,") && lines.get(1).contains("\"test_accuracy\":null,"), lines.get(1));
    }

    @Test
    void metricsAsCsv() throws Exception {
        Path f = dir.resolve("sub/m.csv");
        try (MetricsWriter w = new MetricsWriter(f)) {
            w.onEpochEnd(E1);
        }
        try (MetricsWriter w = new MetricsWriter(f)) {
            w.onEpochEnd(E2);
        }
        assertEquals(List.of("epoch,train_loss,train_accuracy,images_per_s,test_accuracy,test_loss,seconds",
                "1,0.500000,0.750000,1234.6,0.875000,0.250000,2.500", "2,0.250000,,1300.0,,,2.000"), Files.readAllLines(f),
                "one header, then a row per epoch");
    }

    @Test
    void progressOnAPipePrintsATenthOfAnEpochAtATime() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine p = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        for (int s = 1; s <= 25; s++) p.onStep(new StepProgress(1, 2, s, 25, 0.5f, 0.75, 812.4, 125));
        p.onEpochEnd(E1);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(13, lines.size(), "every second step (25 / 10 rounded down) and the last: " + lines);
        assertEquals("epoch 1/2  step 2/25  loss 0.5000 (mean 0.7500)  812 images/s  ETA 2m05s", lines.get(0));
        assertEquals("1h01m01s", ProgressLine.duration(3661));
        assertThrows(NullPointerException.class, () -> new ProgressLine(null, false));
    }
}
