package dev.anvil.federated.strategy;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Client-level differential privacy with fixed clipping at the server (DP-FedAvg, McMahan et al.
 * 2018; Flower's {@code DifferentialPrivacyServerSideFixedClipping}): each client's update
 * {@code w_i - w_global} is scaled to L2 norm at most {@code clip}, the wrapped strategy aggregates
 * the clipped updates, and Gaussian noise of standard deviation {@code noiseMultiplier * clip / m}
 * ({@code m} clients in the round) is added to every aggregated value. The privacy budget (epsilon)
 * follows from the noise multiplier, the sampling rate and the number of rounds by a moments
 * accountant, which this module does not compute.
 */
public final class ServerSideDp implements Strategy {
    private final Strategy inner;
    private final double clip;
    private final double noiseMultiplier;
    private final SplittableRandom rng;

    /**
     * @throws IllegalArgumentException if clip is not positive or the noise multiplier negative
     */
    public ServerSideDp(Strategy inner, double clip, double noiseMultiplier, long seed) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (!(clip > 0 && Double.isFinite(clip))) throw new IllegalArgumentException("DP clipping norm must be positive and finite, got " + clip);
        if (!(noiseMultiplier >= 0 && Double.isFinite(noiseMultiplier))) {
            throw new IllegalArgumentException("DP noise multiplier must be >= 0 and finite, got " + noiseMultiplier);
        }
        this.clip = clip;
        this.noiseMultiplier = noiseMultiplier;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public FitConfig configure(int round, FitConfig base) {
        return inner.configure(round, base);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        List<ClientUpdate> clipped = new ArrayList<>(updates.size());
        for (ClientUpdate u : updates) clipped.add(clip(global, u));
        float[] out = inner.aggregate(round, global, clipped);
        double sd = noiseMultiplier * clip / updates.size();
        if (sd > 0) for (int i = 0; i < out.length; i++) out[i] += (float) (sd * rng.nextGaussian());
        return out;
    }

    /** {@code u} with its update from {@code global} scaled to norm at most {@code clip}. */
    ClientUpdate clip(float[] global, ClientUpdate u) {
        float[] w = u.weights();
        double norm = 0;
        for (int i = 0; i < w.length; i++) {
            double d = (double) w[i] - global[i];
            norm += d * d;
        }
        norm = Math.sqrt(norm);
        if (norm <= clip) return u;
        double scale = clip / norm;
        float[] c = new float[w.length];
        for (int i = 0; i < w.length; i++) c[i] = (float) (global[i] + scale * ((double) w[i] - global[i]));
        return new ClientUpdate(u.clientId(), u.round(), c, u.numSamples(), u.trainLoss());
    }

    @Override
    public String name() {
        return inner.name() + "+dp";
    }

    @Override
    public String toString() {
        return inner + " with server-side DP (clip " + clip + ", noise multiplier " + noiseMultiplier + ")";
    }
}
