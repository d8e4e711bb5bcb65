package dev.anvil.federated.strategy;

import dev.anvil.federated.FitConfig;

/**
 * FedProx (Li et al. 2020): FedAvg's aggregation, with each client minimising its loss plus
 * (mu / 2) ||w - w_global||^2, which keeps local models near the global one on non-IID data.
 */
public final class FedProx extends FedAvg {
    private final double mu;

    public FedProx(double mu) {
        if (!(mu >= 0 && Double.isFinite(mu))) throw new IllegalArgumentException("FedProx mu must be >= 0 and finite, got " + mu);
        this.mu = mu;
    }

    public double mu() {
        return mu;
    }

    @Override
    public FitConfig configure(int round, FitConfig base) {
        return base.withProximalMu(mu);
    }

    @Override
    public String name() {
        return "fedprox";
    }

    @Override
    public String toString() {
        return "fedprox(mu=" + mu + ")";
    }
}
