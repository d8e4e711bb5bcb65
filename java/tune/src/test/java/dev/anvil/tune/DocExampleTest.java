package dev.anvil.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.pruner.AshaPruner;
import dev.anvil.tune.sampler.TpeSampler;
import dev.anvil.tune.space.SearchSpace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java example of docs/tune.md, as written there (with a synthetic "training" curve). */
class DocExampleTest {
    /** Stands in for an epoch of training: the loss after {@code epoch} epochs with these settings. */
    static double trainOneEpoch(double lr, double momentum, int epoch) {
        return Math.pow(Math.log10(lr) + 2, 2) + Math.pow(momentum - 0.9, 2) + 1.0 / epoch;
    }

    @Test
    void example(@TempDir Path dir) throws Exception {
        Path journalFile = dir.resolve("study.jsonl");
        // --- example starts
        SearchSpace space = SearchSpace.builder()
                .categorical("optimizer", "sgd", "adam")
                .logFloat("lr", 1e-4, 0.3)
                .floatRange("momentum", 0.5, 0.99).when("optimizer", "sgd")
                .build();
        try (Study study = Study.builder(space)
                .journal(journalFile).loadIfExists(true)     // resume if it exists
                .direction(Direction.MINIMIZE)
                .sampler(new TpeSampler())
                .pruner(new AshaPruner(1, 3, 0))
                .open()) {
            study.optimize(trial -> {
                double loss = Double.NaN;
                for (int epoch = 1; epoch <= 9; epoch++) {
                    loss = trainOneEpoch(trial.getDouble("lr"), trial.getDouble("momentum", 0.0), epoch);
                    trial.report(epoch, loss);
                    if (trial.shouldPrune()) throw new TrialPruned("stopped after epoch " + epoch);
                }
                return loss;
            }, 40);
            FrozenTrial best = study.bestTrial().orElseThrow();
            System.out.println("best " + best.value() + " with " + best.params());

            Trial t = study.ask();                           // ask and tell, for any loop of your own
            study.tell(t, trainOneEpoch(t.getDouble("lr"), 0.9, 9));
        }
        // --- example ends
        try (StudyWatcher w = StudyWatcher.open(journalFile)) {
            assertEquals(41, w.trials().size());
            assertTrue(Trials.counts(w.trials()).get(TrialState.PRUNED) > 0, "ASHA pruned some trials");
            assertTrue(w.best().orElseThrow().value() < 0.5, "TPE found lr near 0.01: " + w.best());
        }
    }
}
