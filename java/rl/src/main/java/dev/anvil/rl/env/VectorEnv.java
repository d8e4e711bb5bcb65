package dev.anvil.rl.env;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * N copies of an environment stepped together, like Gymnasium's {@code SyncVectorEnv}: copy i is
 * seeded with {@code seed + i}, and a copy whose episode ends is reset in the same step, its last
 * observation kept in {@link #finalObservations()} (what a learner bootstraps from after a
 * truncation). Observations are one row per copy in {@link #observations()}; all arrays belong
 * to this object and are rewritten by the next step, so stepping allocates nothing.
 */
public final class VectorEnv {
    private final List<Environment> envs;
    private final int obsSize;
    private final float[] observations;
    private final float[] finalObservations;
    private final double[] rewards;
    private final boolean[] terminated;
    private final boolean[] truncated;
    private final double[] episodeReturn;
    private final double[] lastEpisodeReturn;
    private final int[] lastEpisodeLength;
    private boolean started;

    /** Copies from {@code factory}; they must agree on observation size and action count. */
    public static VectorEnv of(int copies, Supplier<? extends Environment> factory) {
        if (copies < 1) throw new IllegalArgumentException("VectorEnv: number of copies must be >= 1, got " + copies);
        List<Environment> envs = new ArrayList<>();
        for (int i = 0; i < copies; i++) envs.add(factory.get());
        return new VectorEnv(envs);
    }

    public VectorEnv(List<? extends Environment> envs) {
        if (envs == null || envs.isEmpty()) throw new IllegalArgumentException("VectorEnv: no environments");
        this.envs = List.copyOf(envs);
        Environment first = envs.get(0);
        for (Environment e : this.envs) {
            if (e.observationSize() != first.observationSize() || e.actionCount() != first.actionCount()) {
                throw new IllegalArgumentException("VectorEnv: " + e.id() + " (observation " + e.observationSize() + ", actions "
                        + e.actionCount() + ") does not match " + first.id() + " (observation " + first.observationSize()
                        + ", actions " + first.actionCount() + ")");
            }
        }
        int n = envs.size();
        obsSize = first.observationSize();
        observations = new float[n * obsSize];
        finalObservations = new float[n * obsSize];
        rewards = new double[n];
        terminated = new boolean[n];
        truncated = new boolean[n];
        episodeReturn = new double[n];
        lastEpisodeReturn = new double[n];
        lastEpisodeLength = new int[n];
    }

    public int size() {
        return envs.size();
    }

    public Environment env(int i) {
        return envs.get(i);
    }

    public int observationSize() {
        return obsSize;
    }

    public int actionCount() {
        return envs.get(0).actionCount();
    }

    /** Resets copy i with seed {@code seed + i}; returns the observations, one row per copy. */
    public float[] reset(long seed) {
        for (int i = 0; i < envs.size(); i++) {
            System.arraycopy(envs.get(i).reset(seed + i), 0, observations, i * obsSize, obsSize);
            episodeReturn[i] = 0;
            terminated[i] = truncated[i] = false;
        }
        started = true;
        return observations;
    }

    /**
     * Steps copy i with {@code actions[i]}; copies whose episode ends are reset at once (their
     * row of {@link #observations()} is then the new episode's first observation).
     */
    public void step(int[] actions) {
        if (!started) throw new IllegalStateException("VectorEnv of " + envs.get(0).id() + ": step before reset(seed)");
        if (actions == null || actions.length != envs.size()) {
            throw new IllegalArgumentException("VectorEnv of " + envs.get(0).id() + ": expected " + envs.size() + " actions, got "
                    + (actions == null ? "null" : actions.length));
        }
        for (int i = 0; i < envs.size(); i++) {
            Environment e = envs.get(i);
            StepResult r = e.step(actions[i]);
            rewards[i] = r.reward();
            terminated[i] = r.terminated();
            truncated[i] = r.truncated();
            episodeReturn[i] += r.reward();
            if (r.done()) {
                System.arraycopy(r.observation(), 0, finalObservations, i * obsSize, obsSize);
                lastEpisodeReturn[i] = episodeReturn[i];
                lastEpisodeLength[i] = e.episodeStep();
                episodeReturn[i] = 0;
                e.reset();
            }
            System.arraycopy(e.observation(), 0, observations, i * obsSize, obsSize);
        }
    }

    /** Current observations, row i for copy i. */
    public float[] observations() {
        return observations;
    }

    /** Rewards of the last step. */
    public double[] rewards() {
        return rewards;
    }

    public boolean[] terminated() {
        return terminated;
    }

    public boolean[] truncated() {
        return truncated;
    }

    /** Whether copy i's episode ended in the last step (and the copy was reset). */
    public boolean done(int i) {
        return terminated[i] || truncated[i];
    }

    /**
     * The observation in which copy i's episode ended in the last step, row i of an array of
     * rows (the rows of copies still running are stale); meaningful only when {@link #done(int)}.
     */
    public float[] finalObservations() {
        return finalObservations;
    }

    /** Return (sum of rewards) of copy i's last finished episode. */
    public double lastEpisodeReturn(int i) {
        return lastEpisodeReturn[i];
    }

    /** Length of copy i's last finished episode. */
    public int lastEpisodeLength(int i) {
        return lastEpisodeLength[i];
    }
}
