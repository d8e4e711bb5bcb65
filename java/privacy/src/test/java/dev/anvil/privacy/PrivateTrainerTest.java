package dev.anvil.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.DataLoader;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.GroupNorm;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.Tanh;
import dev.anvil.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateTrainerTest {
    static final SyntheticDataset TRAIN = new SyntheticDataset(1000, 1);

    static Sequential model() {
        Init.manualSeed(3);
        return new Sequential(Conv2d.builder(1, 4, 3).padding(1).build(), new GroupNorm(2, 4), new Tanh(), new Flatten(),
                new Linear(256, 5));
    }

    static PrivacyEngine.Builder engine() {
        return PrivacyEngine.builder().targetEpsilon(8).delta(1e-4).maxGradNorm(1.0).epochs(3).seed(11);
    }

    static float[] weights(Sequential m) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : m.parameters()) for (float v : p.value().toFloatArray()) all.add(v);
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    @Test
    void learnsAndSpendsTheTargetEpsilon() {
        try (Sequential m = model();
             PrivateTrainer t = engine().build().makePrivate(m, SGD.builder().lr(0.5).momentum(0.5).build(m.parameters()), TRAIN, 50);
             DataLoader test = DataLoader.builder(new SyntheticDataset(500, 99)).batchSize(100).build()) {
            double before = t.evaluate(test).accuracy();
            List<PrivateTrainer.EpochStats> stats = t.fit();
            assertEquals(3, stats.size());
            double after = t.evaluate(test).accuracy();
            assertTrue(after > 0.9 && after > before, "accuracy " + before + " -> " + after);
            // The planned budget is spent by the last epoch, within the calibration tolerance, and grows per epoch.
            double eps = stats.get(2).epsilon();
            assertTrue(eps <= 8 && eps > 8 - Calibration.DEFAULT_EPSILON_TOLERANCE, "epsilon " + eps);
            assertTrue(stats.get(0).epsilon() < stats.get(1).epsilon() && stats.get(1).epsilon() < eps);
            assertEquals(60, t.accountant().steps());
        }
    }

    @Test
    void resumeContinuesAsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        float[] straight;
        double epsStraight;
        try (Sequential m = model();
             PrivateTrainer t = engine().build().makePrivate(m, SGD.builder().lr(0.3).momentum(0.9).build(m.parameters()), TRAIN, 50)) {
            t.trainEpoch();
            t.trainEpoch();
            straight = weights(m);
            epsStraight = t.epsilon();
        }
        Path ckpt = dir.resolve("dp.ckpt");
        try (Sequential m = model();
             PrivateTrainer t = engine().build().makePrivate(m, SGD.builder().lr(0.3).momentum(0.9).build(m.parameters()), TRAIN, 50)) {
            t.trainEpoch();
            t.save(ckpt);
        }
        assertTrue(Files.size(ckpt) > 0);
        try (Sequential m = model();
             PrivateTrainer t = engine().build().makePrivate(m, SGD.builder().lr(0.3).momentum(0.9).build(m.parameters()), TRAIN, 50)) {
            t.resume(ckpt);
            assertEquals(1, t.epoch());
            assertEquals(20, t.accountant().steps());
            t.trainEpoch();
            assertArrayEquals(straight, weights(m), "same batches, same noise, same momentum after the resume");
            assertEquals(epsStraight, t.epsilon(), 1e-12);
        }
    }

    @Test
    void badSettingsAreRefusedBeforeTraining() {
        try (Sequential m = model()) {
            SGD sgd = SGD.builder().build(m.parameters());
            // delta >= 1/N
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PrivacyEngine.builder().targetEpsilon(3).delta(1e-3).maxGradNorm(1).build().makePrivate(m, sgd, TRAIN, 50));
            assertTrue(e.getMessage().contains("1/N"), e.getMessage());
            // a target no noise multiplier reaches
            e = assertThrows(IllegalArgumentException.class,
                    () -> PrivacyEngine.builder().targetEpsilon(0.01).delta(1e-5).maxGradNorm(1).epochs(50).build()
                            .makePrivate(m, sgd, TRAIN, 50));
            assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
            sgd.close();
        }
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().targetEpsilon(0));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().targetEpsilon(-1));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().maxGradNorm(0));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().delta(0));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().accountant("moments"));
        assertThrows(IllegalArgumentException.class, () -> PrivacyEngine.builder().delta(1e-5).maxGradNorm(1).build());
        try (Sequential bn = new Sequential(Conv2d.builder(1, 4, 3).build(), new BatchNorm2d(4), new Flatten(), new Linear(144, 5))) {
            SGD sgd = SGD.builder().build(bn.parameters());
            UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                    () -> engine().build().makePrivate(bn, sgd, TRAIN, 50));
            assertTrue(e.getMessage().contains("GroupNorm"), e.getMessage());
            sgd.close();
        }
    }
}
