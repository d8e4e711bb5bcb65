package dev.anvil.tune.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.FashionMnist;
import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Study;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.pruner.AshaPruner;
import dev.anvil.tune.sampler.GridSampler;
import dev.anvil.tune.space.SearchSpace;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The training objective on small slices of Fashion-MNIST (skipped where the data set is not installed). */
class FashionMnistObjectiveTest {
    @BeforeAll
    static void data() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()),
                "SKIPPED: Fashion-MNIST is not installed in " + FashionMnist.defaultDir() + " (apt-get install dataset-fashion-mnist)");
    }

    @Test
    void reportsValidationAccuracyPrunesWithAshaAndFailsDivergedTrials() throws Exception {
        // Grid over three learning rates: 0.05 learns, 1e-5 barely moves, 1e6 diverges.
        SearchSpace space = SearchSpace.builder().categorical("lr", 0.05, 1e-5, 1e6).categorical("width", 0.25).build();
        FashionMnistObjective objective = new FashionMnistObjective(null, 1, 1024, 512, 4, 42, false);
        try (Study s = Study.builder(space).sampler(new GridSampler()).pruner(new AshaPruner(1, 2, 0)).direction(Direction.MAXIMIZE).seed(0).open()) {
            s.optimize(objective, 3);
            Map<Object, FrozenTrial> byLr = new java.util.HashMap<>();
            for (FrozenTrial t : s.trials()) byLr.put(t.params().get("lr"), t);
            FrozenTrial good = byLr.get(0.05), slow = byLr.get(1e-5), diverged = byLr.get(1_000_000L); // whole-number choices are kept as Long
            assertEquals(TrialState.FAILED, diverged.state());
            assertTrue(diverged.reason().startsWith("TrainingDiverged: training loss"), diverged.reason());
            assertTrue(good.intermediate().size() >= 1);
            assertTrue(good.intermediate().firstKey() == 1, "reports are numbered from 1");
            for (double v : good.intermediate().values()) assertTrue(v >= 0 && v <= 1);
            if (good.state() == TrialState.COMPLETE) {
                assertEquals(4, good.intermediate().size(), "4 reports in one epoch");
                assertEquals(good.intermediate().lastEntry().getValue(), good.value());
            }
            // ASHA with reduction factor 2: the second trial at rung 0 (report 1) goes on only if it is the better one.
            if (slow.number() > good.number()) {
                assertEquals(TrialState.PRUNED, slow.state());
                assertEquals(1, slow.lastStep(), "stopped at its first report");
            } else {
                assertTrue(good.state() != TrialState.PRUNED, "the better curve is promoted");
            }
            List<FrozenTrial> pruned = s.trials().stream().filter(t -> t.state() == TrialState.PRUNED).toList();
            for (FrozenTrial t : pruned) assertTrue(t.reason().startsWith("pruned at report " + t.lastStep()), t.reason());
            assertTrue(good.value() > slow.intermediate().lastEntry().getValue(), "lr 0.05 beats lr 1e-5");
        }
    }

    @Test
    void recordsTestAccuracyAndChecksOptions() throws Exception {
        SearchSpace space = SearchSpace.builder().categorical("width", 0.25).categorical("optimizer", "adam").categorical("lr", 0.002).build();
        try (Study s = Study.builder(space).direction(Direction.MAXIMIZE).seed(0).open()) {
            s.optimize(new FashionMnistObjective(null, 1, 512, 256, 1, 1, true), 1);
            FrozenTrial t = s.trials().get(0);
            assertEquals(TrialState.COMPLETE, t.state(), t.reason());
            double test = Double.parseDouble(t.attrs().get("test_accuracy"));
            assertTrue(test > 0.3 && test <= 1, "test accuracy " + test);
        }
        assertThrows(IllegalArgumentException.class, () -> new FashionMnistObjective(null, 0, null, 10, 1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new FashionMnistObjective(null, 1, 0, 10, 1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new FashionMnistObjective(null, 1, null, -1, 1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new FashionMnistObjective(null, 1, null, 10, 0, 1, false));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistObjective.fromOptions(Map.of("epoch", "2"))).getMessage()
                .contains("no option 'epoch'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Objectives.create("resnet", Map.of())).getMessage().contains("unknown objective 'resnet'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Objectives.create("java.lang.String", Map.of())).getMessage()
                .contains("does not implement"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Objectives.create("branin", Map.of("a", "b"))).getMessage().contains("takes no options"));
    }
}
