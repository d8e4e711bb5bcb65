package dev.anvil.federated;

import dev.anvil.data.Dataset;
import dev.anvil.federated.partition.Partition;
import dev.anvil.nn.Layer;
import dev.anvil.optim.LrSchedule;
import dev.anvil.train.Evaluation;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Many clients in one JVM, through the same {@link Coordinator} and {@link Strategy} code as a
 * real federation: each client holds its share of {@code train} under a {@link Partition}; they
 * take turns on one model and one thread, so hundreds of clients cost one model's memory.
 *
 * <pre>{@code
 * Partition p = Partitioner.dirichlet(0.3).split(ClientDataset.labels(train), 10, 10, 42);
 * try (Simulation sim = Simulation.builder(Models.fashionMnistCnn(), train, p).test(test).build()) {
 *     for (RoundResult r : sim.run(30)) System.out.println(r.summary());
 * }
 * }</pre>
 */
public final class Simulation implements AutoCloseable {
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "anvil-federated-sim");
        t.setDaemon(true);
        return t;
    });
    private final Coordinator coordinator;
    private ModelEvaluator evaluator;

    private Simulation(Builder b) {
        Layer model = b.model;
        if (b.test != null) b.coordinator.evaluator(w -> onWorker(() -> evaluator.evaluate(w)));
        coordinator = b.coordinator.build(); // checks the options before anything is allocated
        try {
            for (int c = 0; c < b.partition.clients(); c++) {
                ModelClient mc = new ModelClient(model, ClientDataset.of(b.train, b.partition, c));
                coordinator.register(new LocalClient(String.format("client-%03d", c), mc, worker));
            }
            evaluator = b.test == null ? null : new ModelEvaluator(model, b.test, 1000);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A simulation of one client per part of {@code partition} over {@code train}, all sharing
     * {@code model}, whose current weights are the initial global weights.
     */
    public static Builder builder(Layer model, Dataset train, Partition partition) {
        return new Builder(model, train, partition);
    }

    private Evaluation onWorker(java.util.function.Supplier<Evaluation> task) {
        return CompletableFuture.supplyAsync(task, worker).join();
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    /** Runs {@code rounds} rounds. */
    public List<RoundResult> run(int rounds) {
        return coordinator.run(rounds);
    }

    @Override
    public void close() {
        worker.shutdownNow();
        coordinator.close();
        if (evaluator != null) evaluator.close();
    }

    /**
     * Options of a {@link Simulation}: the test set here, the rest those of its {@link Coordinator}
     * (same defaults, but a round timeout of one hour).
     */
    public static final class Builder {
        private final Layer model;
        private final Dataset train;
        private final Partition partition;
        private final Coordinator.Builder coordinator;
        private Dataset test;

        private Builder(Layer model, Dataset train, Partition partition) {
            this.model = Objects.requireNonNull(model, "model");
            this.train = Objects.requireNonNull(train, "train");
            this.partition = Objects.requireNonNull(partition, "partition");
            this.coordinator = Coordinator.builder(ModelWeights.of(model)).roundTimeout(Duration.ofHours(1));
        }

        /** Evaluate the global model on {@code test} after each round. */
        public Builder test(Dataset t) {
            test = Objects.requireNonNull(t, "test");
            return this;
        }

        /** See {@link Coordinator.Builder#strategy}. */
        public Builder strategy(Strategy s) {
            coordinator.strategy(s);
            return this;
        }

        /** See {@link Coordinator.Builder#fitConfig}. */
        public Builder fitConfig(FitConfig c) {
            coordinator.fitConfig(c);
            return this;
        }

        /** See {@link Coordinator.Builder#lrSchedule}. */
        public Builder lrSchedule(LrSchedule schedule) {
            coordinator.lrSchedule(schedule);
            return this;
        }

        /** See {@link Coordinator.Builder#clientsPerRound}. */
        public Builder clientsPerRound(int n) {
            coordinator.clientsPerRound(n);
            return this;
        }

        /** See {@link Coordinator.Builder#minClients}. */
        public Builder minClients(int n) {
            coordinator.minClients(n);
            return this;
        }

        /** See {@link Coordinator.Builder#roundTimeout}. */
        public Builder roundTimeout(Duration d) {
            coordinator.roundTimeout(d);
            return this;
        }

        /** See {@link Coordinator.Builder#seed}. */
        public Builder seed(long s) {
            coordinator.seed(s);
            return this;
        }

        /** See {@link Coordinator.Builder#listener}. */
        public Builder listener(Consumer<RoundResult> l) {
            coordinator.listener(l);
            return this;
        }

        /** See {@link Coordinator.Builder#secureAggregation}. */
        public Builder secureAggregation(boolean on) {
            coordinator.secureAggregation(on);
            return this;
        }

        /** See {@link Coordinator.Builder#secureNeighbours}. */
        public Builder secureNeighbours(int k) {
            coordinator.secureNeighbours(k);
            return this;
        }

        /** See {@link Coordinator.Builder#clientLevelDp}. */
        public Builder clientLevelDp(ClientLevelDp dp) {
            coordinator.clientLevelDp(dp);
            return this;
        }

        public Simulation build() {
            return new Simulation(this);
        }
    }
}
