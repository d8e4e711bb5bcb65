package dev.anvil.federated;

import java.util.Objects;

/**
 * A client's update under secure aggregation: numSamples * weights in fixed point, plus pairwise
 * masks that cancel only in the sum over clients. The sample count and loss travel in clear.
 */
public record MaskedUpdate(String clientId, int round, long[] masked, long numSamples, double trainLoss) {
    public MaskedUpdate {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(masked, "masked");
    }
}
