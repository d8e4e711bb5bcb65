package dev.anvil.federated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.Dataset;
import dev.anvil.data.FashionMnist;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.federated.strategy.FedOpt;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The Java example of docs/federated.md, as written there. */
class DocExampleTest {
    @Test
    void example() throws Exception {
        Path dir = FashionMnist.defaultDir();
        Assumptions.assumeTrue(Files.isDirectory(dir), "Fashion-MNIST is not installed in " + dir);
        List<RoundResult> results;
        // --- example starts
        Dataset train = FashionMnist.train(dir).subset(6000), test = FashionMnist.test(dir).subset(1000);
        Partition partition = Partitioner.dirichlet(0.3).split(ClientDataset.labels(train), train.numClasses(), 10, 42);
        System.out.print(partition.describe());                // samples per class of each client
        Init.manualSeed(42);
        try (Sequential model = Models.fashionMnistCnn(0.25, 0.4);
             Simulation sim = Simulation.builder(model, train, partition)
                     .test(test)                                // evaluate the global model after each round
                     .strategy(FedOpt.adam().eta(0.01).build()) // or new FedAvg(), new FedProx(0.01), new Median() ...
                     .fitConfig(new FitConfig(1, 32, 0.05, 0, 0, 42)) // local epochs, batch, lr, momentum, mu, seed
                     .lrSchedule(LrSchedule.cosine(3))          // the clients' lr over the rounds (optional)
                     .clientsPerRound(5).minClients(4)          // sample 5 of 10 per round, aggregate with at least 4
                     .build()) {
            results = sim.run(3);
            for (RoundResult r : results) System.out.println(r.summary());
        }
        // --- example ends
        assertEquals(3, results.size());
        for (RoundResult r : results) assertEquals(5, r.accepted().size(), r.summary());
        assertTrue(results.get(2).evaluation().accuracy() > 0.2, results.get(2).summary()); // above chance (0.1) after 3 rounds
    }
}
