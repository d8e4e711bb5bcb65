package dev.anvil.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.GradientClipping;
import dev.anvil.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The training loop's options: loss, hooks, gradient clipping, early stopping, training accuracy, evaluation alone. */
class TrainingLoopTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** A linear classifier of the quadrant images: no dropout, so training and evaluation see the same logits. */
    private static Sequential linearModel() {
        Init.manualSeed(3);
        return new Sequential(new Flatten(), new Linear(28 * 28, 4));
    }

    private static List<float[]> values(Sequential model) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : model.parameters()) out.add(p.value().toFloatArray());
        return out;
    }

    private static void assertSameValues(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
    }

    /**
     * Two steps with a trainer option against the same two steps written by hand: forward, loss,
     * backward, {@code manual} (the option's effect), SGD step. The results must be identical.
     */
    private static void assertTrainerEqualsManualSteps(Consumer<Trainer.Builder> option, CrossEntropyLoss loss,
            Consumer<Sequential> manual) {
        List<float[]> viaTrainer, byHand;
        try (Sequential model = linearModel(); SGD opt = SGD.builder().lr(0.5).momentum(0.9).build(model.parameters());
                DataLoader data = DataLoader.builder(new TrainerTest.Quadrants(16, 9)).batchSize(8).build()) {
            Trainer.Builder b = Trainer.builder(model, opt).loss(loss);
            option.accept(b);
            try (Trainer trainer = b.build()) {
                trainer.fit(data, null, 1);
            }
            viaTrainer = values(model);
        }
        try (Sequential model = linearModel(); SGD opt = SGD.builder().lr(0.5).momentum(0.9).build(model.parameters());
                DataLoader data = DataLoader.builder(new TrainerTest.Quadrants(16, 9)).batchSize(8).build()) {
            data.setEpoch(0);
            for (Batch batch : data) {
                opt.zeroGrad();
                Tensor logits = model.forward(batch.images());
                loss.forward(logits, batch.labels());
                model.backward(loss.backward(), false);
                manual.accept(model);
                opt.step();
            }
            byHand = values(model);
        }
        assertSameValues(byHand, viaTrainer);
    }

    @Test
    void clippingAndTheLossOptionsAreAppliedBeforeEachStep() {
        try (CrossEntropyLoss smoothed = CrossEntropyLoss.builder().labelSmoothing(0.2).build()) {
            assertTrainerEqualsManualSteps(b -> b.clipGradNorm(0.05), smoothed,
                    m -> GradientClipping.clipGradNorm(m.parameters(), 0.05));
            assertTrainerEqualsManualSteps(b -> b.clipGradValue(0.001), smoothed,
                    m -> GradientClipping.clipGradValue(m.parameters(), 0.001));
        }
        // Without clipping the runs differ: the clipping above changed something.
        try (CrossEntropyLoss plain = new CrossEntropyLoss()) {
            assertThrows(AssertionError.class, () -> assertTrainerEqualsManualSteps(b -> b.clipGradNorm(0.05), plain, m -> {}));
        }
    }

    @Test
    void hooksRunBetweenBackwardAndStepWithTheGradients() {
        List<Long> seen = new ArrayList<>();
        try (Sequential model = linearModel(); SGD opt = SGD.builder().lr(0.1).build(model.parameters());
                DataLoader data = DataLoader.builder(new TrainerTest.Quadrants(24, 9)).batchSize(8).build();
                Trainer trainer = Trainer.builder(model, opt).beforeStep((o, step) -> {
                    assertSame(opt, o);
                    assertEquals(o.steps() + 1, step, "called before the step");
                    for (Parameter p : o.parameters()) assertTrue(p.hasGrad(), p + " has its gradient");
                    seen.add(step);
                }).build()) {
            trainer.fit(data, null, 2);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seen);
        }
    }

    @Test
    void trainingAccuracyCountsTheForwardPassesAndEvaluatorNeedsNoOptimizer() {
        try (Sequential model = linearModel(); SGD opt = SGD.builder().lr(0).build(model.parameters());
                DataLoader data = DataLoader.builder(new TrainerTest.Quadrants(40, 6)).batchSize(16).build();
                Trainer trainer = Trainer.builder(model, opt).build(); Evaluator evaluator = new Evaluator(model)) {
            // lr 0: the model does not change, so the training passes classify as evaluation does.
            EpochResult r = trainer.fit(data, null, 1).get(0);
            Evaluation e = evaluator.evaluate(data);
            assertEquals(40, e.samples());
            assertEquals(e.accuracy(), r.trainAccuracy(), 1e-12);
            assertEquals(e.loss(), r.trainLoss(), 1e-6);
        }
    }

    @Test
    void listenersStopTrainingAfterAnEpochOrAStep() {
        try (Sequential model = linearModel(); SGD opt = SGD.builder().lr(0.1).build(model.parameters());
                DataLoader data = DataLoader.builder(new TrainerTest.Quadrants(24, 9)).batchSize(8).build()) {
            TrainingListener stopAfterTwo = new TrainingListener() {
                @Override
                public boolean shouldStop(EpochResult r) {
                    return r.epoch() == 2;
                }
            };
            try (Trainer trainer = Trainer.builder(model, opt).listener(stopAfterTwo).build()) {
                assertEquals(2, trainer.fit(data, null, 5).size());
                assertEquals(6, opt.steps());
            }
            Trainer[] self = new Trainer[1];
            boolean[] once = {true};
            TrainingListener stopMidEpoch = new TrainingListener() {
                @Override
                public void onStep(StepProgress p) {
                    if (once[0] && p.epoch() == 2 && p.step() == 1) {
                        once[0] = false;
                        self[0].stop();
                    }
                }
            };
            try (Trainer trainer = Trainer.builder(model, opt).listener(stopMidEpoch).build()) {
                self[0] = trainer;
                List<EpochResult> history = trainer.fit(data, null, 5);
                assertEquals(2, history.size(), "the partial epoch is reported");
                assertEquals(6 + 4, opt.steps());
                assertEquals(5, trainer.fit(data, null, 5).size(), "a new fit starts afresh");
            }
        }
    }

    private static EpochResult epoch(int n, double testAccuracy) {
        return new EpochResult(n, 1.0, Double.NaN, 100, 1, new Evaluation(testAccuracy, 1.0, 10, 0.1));
    }

    /** Keras's EarlyStopping(monitor, min_delta, patience) counts epochs without improvement the same way. */
    @Test
    void earlyStoppingFollowsKerasSemantics() {
        EarlyStopping stop = EarlyStopping.onTestAccuracy(2, 0.01);
        double[] accuracies = {0.50, 0.60, 0.605, 0.62, 0.625, 0.629};
        List<Boolean> decisions = new ArrayList<>();
        for (int i = 0; i < accuracies.length; i++) decisions.add(stop.shouldStop(epoch(i + 1, accuracies[i])));
        // 0.605 is not better than 0.60 by more than 0.01; 0.62 is; then 0.625 and 0.629 are not: stop after 2.
        assertEquals(List.of(false, false, false, false, false, true), decisions);
        assertEquals(0.62, stop.best(), 1e-12);
        assertEquals(4, stop.bestEpoch());
        EarlyStopping onLoss = EarlyStopping.onTestLoss(0, 0);
        assertFalse(onLoss.shouldStop(new EpochResult(1, 1, 0.5, 1, 1, new Evaluation(0.5, 0.9, 10, 0.1))));
        assertTrue(onLoss.shouldStop(new EpochResult(2, 1, 0.5, 1, 1, new Evaluation(0.5, 0.9, 10, 0.1))));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> onLoss.shouldStop(new EpochResult(3, 1, 0.5, 1, 1, null)));
        assertTrue(e.getMessage().contains("no test loader"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EarlyStopping.onTestAccuracy(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> EarlyStopping.onTestAccuracy(1, Double.NaN));
    }

    @Test
    void builderRefusesBadOptions() {
        try (Sequential model = linearModel(); SGD opt = SGD.builder().build(model.parameters())) {
            Trainer.Builder b = Trainer.builder(model, opt);
            for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.clipGradNorm(bad));
                assertTrue(e.getMessage().contains("clipGradNorm must be finite and > 0"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> b.clipGradValue(bad));
                assertTrue(e.getMessage().contains("clipGradValue must be finite and > 0"), e.getMessage());
            }
            assertThrows(NullPointerException.class, () -> b.beforeStep(null));
            assertThrows(NullPointerException.class, () -> b.loss(null));
        }
    }
}
