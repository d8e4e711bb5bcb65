package dev.anvil.tune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.Study;
import dev.anvil.tune.StudyWatcher;
import dev.anvil.tune.TrialPruned;
import dev.anvil.tune.sampler.RandomSampler;
import dev.anvil.tune.space.SearchSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    @Test
    void importanceFindsTheParameterThatMatters() throws Exception {
        SearchSpace space = SearchSpace.builder().floatRange("x", 0, 1).floatRange("y", 0, 1).categorical("c", "a", "b").build();
        try (Study s = Study.builder(space).sampler(new RandomSampler()).seed(1).open()) {
            s.optimize(t -> Math.pow(t.getDouble("x") - 0.3, 2) + 0.001 * t.getDouble("y"), 200);
            Map<String, Double> imp = Importance.of(space, s.trials(), s.direction(), 0.1);
            assertEquals("x", imp.keySet().iterator().next());
            assertTrue(imp.get("x") > 5 * imp.get("y"), imp.toString());
            assertEquals(1.0, imp.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
            assertTrue(Importance.of(space, s.trials().subList(0, 5), s.direction(), 0.1).isEmpty(), "too few trials");
        }
    }

    @Test
    void reportHasEveryChartTheBestRecipeAndEscapesText(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("s.jsonl");
        SearchSpace space = SearchSpace.builder().logFloat("lr", 1e-4, 0.1).categorical("optimizer", "sgd", "adam").build();
        try (Study s = Study.builder(space).journal(journal).name("a<b").sampler(new RandomSampler()).seed(2).meta("objective", "fmnist-cnn")
                .meta("epochs", "3").open()) {
            s.optimize(t -> {
                t.report(1, t.getDouble("lr"));
                if (t.number() % 4 == 3) throw new TrialPruned("pruned");
                return -Math.abs(Math.log10(t.getDouble("lr")) + 2);
            }, 24);
        }
        Files.writeString(journal, "{\"op\":\"tell\",\"tri", java.nio.file.StandardOpenOption.APPEND);
        try (StudyWatcher w = StudyWatcher.open(journal)) {
            String html = new HtmlReport(w.header(), w.trials(), w.partialTail()).html();
            assertTrue(html.contains("<h1>Study a&lt;b</h1>"));
            for (String section : new String[] {"Optimisation history", "Intermediate values", "Parallel coordinates", "Parameter importance", "Trials"}) {
                assertTrue(html.contains("<h2>" + section + "</h2>"), section);
            }
            assertEquals(4, html.split("<svg ").length - 1, "four charts");
            assertTrue(html.contains("anvil train --epochs 3 --lr "), "the best recipe as a command");
            assertTrue(html.contains("partial line of 17 characters"));
            assertTrue(html.contains("pruned: 6"));
            assertFalse(html.contains("<script"));
        }
    }
}
