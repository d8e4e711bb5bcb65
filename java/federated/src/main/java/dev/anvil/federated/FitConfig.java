package dev.anvil.federated;

/**
 * What the coordinator asks of each client in a round: local epochs, batch size, the local SGD
 * learning rate and momentum, FedProx's proximal coefficient mu (0: plain local SGD) and a seed for
 * the client's shuffling.
 */
public record FitConfig(int localEpochs, int batchSize, double lr, double momentum, double proximalMu, long seed) {
    public FitConfig {
        if (localEpochs <= 0) throw new IllegalArgumentException("localEpochs must be positive, got " + localEpochs);
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("lr must be positive and finite, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(proximalMu >= 0 && Double.isFinite(proximalMu))) throw new IllegalArgumentException("proximal mu must be >= 0 and finite, got " + proximalMu);
    }

    /** One local epoch, batch 32, lr 0.05, no momentum, no proximal term, seed 0. */
    public static FitConfig defaults() {
        return new FitConfig(1, 32, 0.05, 0, 0, 0);
    }

    public FitConfig withLr(double newLr) {
        return new FitConfig(localEpochs, batchSize, newLr, momentum, proximalMu, seed);
    }

    public FitConfig withProximalMu(double mu) {
        return new FitConfig(localEpochs, batchSize, lr, momentum, mu, seed);
    }
}
