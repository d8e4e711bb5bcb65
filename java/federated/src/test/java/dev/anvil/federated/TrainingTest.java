package dev.anvil.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.federated.strategy.FedAvg;
import dev.anvil.federated.strategy.FedProx;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Local training, FedAvg and FedProx against what the math says they must compute. */
public class TrainingTest {
    public static Sequential model(long seed) {
        Init.manualSeed(seed);
        return new Sequential().add("fc1", new Linear(4, 8)).add("act", new dev.anvil.nn.Tanh()).add("fc2", new Linear(8, 3));
    }

    /** One full-batch SGD step on {@code data}: the centralised reference. */
    static void fullBatchStep(Sequential m, Dataset data, double lr) {
        try (SGD sgd = SGD.builder().lr(lr).build(m.parameters());
             DataLoader all = DataLoader.builder(data).batchSize(data.size()).build();
             Trainer t = Trainer.builder(m, sgd).build()) {
            t.fit(all, null, 1);
        }
    }

    /**
     * With one local step of full-batch gradient descent, FedAvg's sample-weighted mean of
     * w - lr grad_k equals w - lr sum_k (n_k / N) grad_k = w - lr grad of the mean loss over the
     * union: one step of centralised full-batch GD (McMahan et al. 2017, section 2, FedSGD).
     */
    @Test
    void fedAvgWithOneFullBatchStepEqualsCentralisedGradientDescent() {
        Dataset data = new Blobs(90, 4, 3, 1);
        Partition p = Partitioner.dirichlet(0.5).split(ClientDataset.labels(data), 3, 3, 2);
        assertTrue(p.size(0) != p.size(1) || p.size(1) != p.size(2), "unequal client sizes make the weighting matter");
        FitConfig cfg = new FitConfig(1, 1000, 0.3, 0, 0, 0);
        try (Sequential fed = model(7); Sequential central = model(7);
             Simulation sim = Simulation.builder(fed, data, p).fitConfig(cfg).strategy(new FedAvg()).build()) {
            for (int round = 1; round <= 3; round++) {
                sim.run(1);
                fullBatchStep(central, data, 0.3);
                assertArrayEquals(ModelWeights.of(central).values(), sim.coordinator().globalWeights().values(), 2e-6f, "round " + round);
            }
            float[] start;
            try (Sequential init = model(7)) {
                start = ModelWeights.of(init).values();
            }
            float moved = 0;
            float[] now = sim.coordinator().globalWeights().values();
            for (int i = 0; i < now.length; i++) moved = Math.max(moved, Math.abs(now[i] - start[i]));
            assertTrue(moved > 1e-3, "the model trained");
        }
    }

    /**
     * FedProx's local objective adds (mu / 2) ||w - w0||^2. Two full-batch steps with lr * mu = 1:
     * w1 = w0 - lr g(w0) (the term is 0 at w0), and
     * w2 = w1 - lr g(w1) - lr mu (w1 - w0) = w0 - lr g(w1).
     */
    @Test
    void fedProxStepAddsTheProximalGradient() {
        Dataset data = new Blobs(40, 4, 3, 3);
        double lr = 0.5, mu = 2.0;
        try (Sequential m = model(5); Sequential ref = model(5)) {
            float[] w0 = ModelWeights.of(m).values();
            ModelClient client = new ModelClient(m, data);
            ClientUpdate u = client.fit("c", 1, w0, new FitConfig(2, 1000, lr, 0, mu, 0));
            fullBatchStep(ref, data, lr);
            float[] w1 = ModelWeights.of(ref).values();
            fullBatchStep(ref, data, lr);
            float[] w1next = ModelWeights.of(ref).values(); // w1 - lr g(w1)
            float[] expected = new float[w0.length];
            for (int i = 0; i < w0.length; i++) expected[i] = w0[i] - (w1[i] - w1next[i]);
            assertArrayEquals(expected, u.weights(), 2e-6f);
            assertEquals(40, u.numSamples());
        }
    }

    /** A larger mu keeps the local model closer to the global one (Li et al. 2020). */
    @Test
    void fedProxPullsTowardsTheGlobalModel() {
        Dataset data = new Blobs(64, 4, 3, 4);
        double[] dist = new double[3];
        double[] mus = {0, 0.5, 5};
        for (int k = 0; k < mus.length; k++) {
            try (Sequential m = model(5)) {
                float[] w0 = ModelWeights.of(m).values();
                float[] w = new ModelClient(m, data).fit("c", 1, w0, new FitConfig(3, 8, 0.1, 0, mus[k], 0)).weights();
                for (int i = 0; i < w.length; i++) dist[k] += (w[i] - w0[i]) * (w[i] - w0[i]);
            }
        }
        assertTrue(dist[0] > dist[1] && dist[1] > dist[2], java.util.Arrays.toString(dist));
    }

    @Test
    void simulationLearnsTheBlobsUnderLabelSkew() {
        Dataset train = new Blobs(600, 4, 3, 8), test = new Blobs(300, 4, 3, 8);
        Partition p = Partitioner.dirichlet(0.3).split(ClientDataset.labels(train), 3, 6, 1);
        try (Sequential m = model(3);
             Simulation sim = Simulation.builder(m, train, p).test(test).strategy(new FedProx(0.01)).clientsPerRound(4).minClients(3)
                     .fitConfig(new FitConfig(1, 16, 0.1, 0, 0, 1)).seed(2).build()) {
            List<RoundResult> rs = sim.run(8);
            RoundResult last = rs.get(rs.size() - 1);
            assertEquals(4, last.accepted().size());
            assertTrue(last.evaluation().accuracy() > 0.9, last.summary()); // well-separated blobs
            assertTrue(rs.get(0).evaluation().loss() > last.evaluation().loss(), "loss falls");
        }
    }

    @Test
    void weightsOfAnotherModelDoNotLoad() {
        try (Sequential a = model(1); Sequential b = new Sequential().add("fc1", new Linear(4, 3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelWeights.of(a).copyInto(b));
            assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
            Partition outside = new Partition(List.of(new int[] {7}), new int[8], 1); // of a larger data set
            assertThrows(IllegalArgumentException.class, () -> ClientDataset.of(new Blobs(5, 4, 3, 1), outside, 0));
            assertThrows(IllegalArgumentException.class, () -> new FitConfig(0, 1, 0.1, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new FitConfig(1, 1, -0.1, 0, 0, 0));
        }
    }
}
