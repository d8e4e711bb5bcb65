package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.DataLoader;
import dev.anvil.data.FashionMnist;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Dropout;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.EpochResult;
import dev.anvil.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example, on a subset of the data so that it runs in seconds. */
class ReadmeExampleTest {
    @Test
    void readmeExampleTrainsEvaluatesAndSaves(@TempDir Path tmp) throws Exception {
        Path dir = FashionMnist.defaultDir();
        Assumptions.assumeTrue(Files.isDirectory(dir), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");

        Init.manualSeed(42);
        try (Sequential model = new Sequential(
                        Conv2d.builder(1, 32, 5).padding(2).build(), new ReLU(), new MaxPool2d(2),
                        Conv2d.builder(32, 64, 5).padding(2).build(), new ReLU(), new MaxPool2d(2),
                        new Flatten(), new Linear(3136, 1024), new ReLU(), new Dropout(0.4), new Linear(1024, 10));
                SGD sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
                DataLoader train = DataLoader.builder(FashionMnist.train(dir).subset(1280)).batchSize(64).shuffle(true).seed(42).build();
                DataLoader test = DataLoader.builder(FashionMnist.test(dir).subset(1000)).batchSize(1000).build();
                Trainer trainer = Trainer.builder(model, sgd).build()) {
            List<EpochResult> history = trainer.fit(train, test, 2);
            assertEquals(2, history.size());
            assertTrue(history.get(1).test().accuracy() > 0.5, "accuracy " + history.get(1).test().accuracy());
            Checkpoint.save(tmp.resolve("fmnist.ckpt"), model, sgd, Map.of());
            assertTrue(Files.size(tmp.resolve("fmnist.ckpt")) > 4L * model.parameterCount());
        }
        assertEquals(0, Tensor.liveBytes());
    }
}
