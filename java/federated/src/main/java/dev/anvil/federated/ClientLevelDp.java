package dev.anvil.federated;

import dev.anvil.privacy.RdpAccountant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Client-level differential privacy at the coordinator: DP-FedAvg with fixed clipping (McMahan et
 * al. 2018, "Learning differentially private recurrent language models", Algorithm 1 with uniform
 * client weights; Flower's server-side fixed clipping), with the privacy spent tracked by the RDP
 * accountant of {@code anvil-privacy}.
 *
 * <p>Each round the coordinator samples every registered client independently with probability
 * {@code q} (Poisson sampling, the sampling the accountant's analysis assumes; {@code q} is the
 * clients asked for per round over the clients registered, 1 when every client takes part). Each
 * accepted update {@code w_i - w_global} is scaled to L2 norm at most {@code clip}; the clipped
 * updates are summed and divided by the expected number of clients {@code qN}, a fixed denominator
 * (dividing by the number that answered would let one client's presence change the scale of the
 * others), and Gaussian noise of standard deviation {@code z clip / (qN)} is added to every value.
 * One client changes the sum by at most {@code clip}, so a round is one step of the sampled Gaussian
 * mechanism with noise multiplier {@code z} and rate {@code q}; the strategy's server update (FedAvg's
 * step to the mean, FedAdam's optimizer) then only post-processes the noisy mean.
 *
 * <p>The guarantee is about clients, not samples: two federations are neighbours when one has one
 * client more (all of its data). A round that aggregates nothing (below quorum, discarded) releases
 * nothing and costs no privacy.
 */
public final class ClientLevelDp {
    private final double clip;
    private final double noiseMultiplier;
    private final double delta;
    private final SplittableRandom rng;
    private final RdpAccountant accountant = new RdpAccountant();

    /**
     * @param clip            the L2 norm each client's update is clipped to
     * @param noiseMultiplier z: noise sd z * clip over the expected number of clients
     * @param delta           the delta for which {@link #epsilon()} is reported
     * @param seed            seed of the noise
     * @throws IllegalArgumentException if clip is not positive, z negative or delta not in (0, 1)
     */
    public ClientLevelDp(double clip, double noiseMultiplier, double delta, long seed) {
        if (!(clip > 0 && Double.isFinite(clip))) throw new IllegalArgumentException("DP clipping norm must be positive and finite, got " + clip);
        if (!(noiseMultiplier >= 0 && Double.isFinite(noiseMultiplier))) {
            throw new IllegalArgumentException("DP noise multiplier must be >= 0 and finite, got " + noiseMultiplier);
        }
        if (!(delta > 0 && delta < 1)) throw new IllegalArgumentException("DP delta must be in (0, 1), got " + delta);
        this.clip = clip;
        this.noiseMultiplier = noiseMultiplier;
        this.delta = delta;
        this.rng = new SplittableRandom(seed);
    }

    public double clip() {
        return clip;
    }

    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    public double delta() {
        return delta;
    }

    /**
     * The noisy mean of the clients' weights: {@code global + (sum of clipped updates + N(0, (z clip)^2)) / expectedClients},
     * and one step of the accountant at rate {@code sampleRate}.
     *
     * @throws IllegalArgumentException if there are no updates, lengths differ, expectedClients is
     *                                  not positive or sampleRate is not in (0, 1]
     */
    float[] noisyMean(float[] global, List<ClientUpdate> updates, double expectedClients, double sampleRate) {
        if (updates.isEmpty()) throw new IllegalArgumentException("no updates to aggregate");
        if (!(expectedClients > 0)) throw new IllegalArgumentException("expected clients must be positive, got " + expectedClients);
        if (!(sampleRate > 0 && sampleRate <= 1)) throw new IllegalArgumentException("sample rate must be in (0, 1], got " + sampleRate);
        int n = global.length;
        double[] sum = new double[n];
        for (ClientUpdate u : updates) {
            float[] w = u.weights();
            if (w.length != n) throw new IllegalArgumentException("client " + u.clientId() + ": " + w.length + " values, expected " + n);
            double scale = Math.min(1, clip / norm(global, w));
            for (int i = 0; i < n; i++) sum[i] += scale * ((double) w[i] - global[i]);
        }
        double sd = noiseMultiplier * clip;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double noise = sd > 0 ? sd * rng.nextGaussian() : 0;
            out[i] = (float) (global[i] + (sum[i] + noise) / expectedClients);
        }
        accountant.step(noiseMultiplier, sampleRate);
        return out;
    }

    /** L2 norm of {@code w - global} in double. */
    private static double norm(float[] global, float[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double d = (double) w[i] - global[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** The epsilon spent so far for {@link #delta()} (0 before the first aggregated round; infinite without noise). */
    public double epsilon() {
        return accountant.getEpsilon(delta);
    }

    /** The accountant (rounds recorded as steps of the sampled Gaussian mechanism). */
    public RdpAccountant accountant() {
        return accountant;
    }

    @Override
    public String toString() {
        return "client-level DP (clip " + clip + ", noise multiplier " + noiseMultiplier + ", delta " + delta + ")";
    }
}
