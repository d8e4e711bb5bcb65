package dev.anvil.federated;

import dev.anvil.federated.secure.SecureAggregationClient;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A client in the coordinator's JVM: a {@link ModelClient} whose work runs on an executor (a
 * {@link Simulation} gives all its clients one thread and one model). Supports secure aggregation.
 */
public final class LocalClient implements ClientProxy {
    private final String id;
    private final ModelClient trainer;
    private final Executor executor;
    private final SecureAggregationClient secure;

    public LocalClient(String id, ModelClient trainer, Executor executor) {
        this.id = Objects.requireNonNull(id, "id");
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.secure = new SecureAggregationClient(id);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public long numSamples() {
        return trainer.numSamples();
    }

    @Override
    public CompletableFuture<ClientUpdate> fit(int round, float[] global, FitConfig config) {
        return CompletableFuture.supplyAsync(() -> trainer.fit(id, round, global, config), executor);
    }

    @Override
    public CompletableFuture<byte[]> publicKey(int round) {
        return CompletableFuture.supplyAsync(() -> secure.publicKey(round), executor);
    }

    @Override
    public CompletableFuture<MaskedUpdate> fitMasked(int round, float[] global, FitConfig config, Map<String, byte[]> peers) {
        return CompletableFuture.supplyAsync(() -> {
            ClientUpdate u = trainer.fit(id, round, global, config);
            return new MaskedUpdate(id, round, secure.mask(round, u.weights(), u.numSamples(), peers), u.numSamples(), u.trainLoss());
        }, executor);
    }

    @Override
    public CompletableFuture<Map<String, byte[]>> revealSeeds(int round, Set<String> dropped) {
        return CompletableFuture.supplyAsync(() -> secure.reveal(round, dropped), executor);
    }

    @Override
    public String toString() {
        return "LocalClient(" + id + ", " + trainer.numSamples() + " samples)";
    }
}
