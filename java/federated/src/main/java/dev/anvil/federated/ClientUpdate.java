package dev.anvil.federated;

import java.util.Objects;

/**
 * A client's answer to a fit request: its weights after local training for {@code round}, the
 * number of samples it trained on (FedAvg's weight) and its mean training loss.
 */
public record ClientUpdate(String clientId, int round, float[] weights, long numSamples, double trainLoss) {
    public ClientUpdate {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(weights, "weights");
    }
}
