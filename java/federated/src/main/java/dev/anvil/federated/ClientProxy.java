package dev.anvil.federated;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The coordinator's handle on one client: in the same JVM ({@link Simulation}) or across a
 * connection ({@code transport.FederationServer}). Every call returns at once; the future completes
 * with the client's answer, or exceptionally if the client fails or goes away.
 */
public interface ClientProxy {
    /** The client's id, unique in a federation. */
    String id();

    /** The number of training samples the client announced when it joined. */
    long numSamples();

    /** Asks for local training from {@code global} for {@code round}. */
    CompletableFuture<ClientUpdate> fit(int round, float[] global, FitConfig config);

    /**
     * Secure aggregation, step 1: the client makes a fresh X25519 key pair for {@code round} and
     * answers its public key (X.509 encoding).
     */
    default CompletableFuture<byte[]> publicKey(int round) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("client " + id() + " does not support secure aggregation"));
    }

    /**
     * Secure aggregation, step 2: local training as {@link #fit}, answered masked with the pairwise
     * masks agreed with {@code peers} (client id to public key, the client itself included).
     */
    default CompletableFuture<MaskedUpdate> fitMasked(int round, float[] global, FitConfig config, Map<String, byte[]> peers) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("client " + id() + " does not support secure aggregation"));
    }

    /**
     * Secure aggregation, step 3, when clients dropped after the keys were shared: the client reveals
     * the seeds it shares with each of {@code dropped} (by id), so that their masks can be removed.
     */
    default CompletableFuture<Map<String, byte[]>> revealSeeds(int round, Set<String> dropped) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("client " + id() + " does not support secure aggregation"));
    }
}
