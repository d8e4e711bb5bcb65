package dev.anvil.rl.env;

import dev.anvil.rl.Rng;
import java.util.Objects;

/**
 * An episodic environment with a discrete action space, in the style of Gymnasium's {@code Env}
 * with its {@code TimeLimit} wrapper: {@link #reset(long)} starts an episode from a seed,
 * {@link #step(int)} applies an action and returns the observation, the reward and whether the
 * episode has terminated (a terminal state) or been truncated (the step limit).
 *
 * <p>The returned observation array and {@link StepResult} belong to the environment and are
 * rewritten by the next call, so stepping allocates nothing; copy what must outlive a step.
 *
 * <p>Misuse fails with a message naming the environment and the step: an action outside
 * {@code [0, actionCount)}, a step before the first reset or after the episode has ended, and an
 * observation that is not finite (NaN or infinite), which would otherwise poison a learner.
 *
 * <p>Subclasses implement the dynamics in {@link #startEpisode} and {@link #transition}.
 */
public abstract class Environment {
    private final String id;
    private final int observationSize;
    private final int actionCount;
    private final int maxEpisodeSteps;
    private final float[] observation;
    private final StepResult result;
    private Rng rng;
    private int episodeStep;
    private boolean running;
    private boolean everReset;

    /**
     * @param id              the name used in messages, as Gymnasium registers it ("CartPole-v1")
     * @param maxEpisodeSteps the step at which an episode is truncated
     */
    protected Environment(String id, int observationSize, int actionCount, int maxEpisodeSteps) {
        this.id = Objects.requireNonNull(id, "id");
        if (observationSize < 1) throw new IllegalArgumentException(id + ": observation size must be >= 1, got " + observationSize);
        if (actionCount < 1) throw new IllegalArgumentException(id + ": action count must be >= 1, got " + actionCount);
        if (maxEpisodeSteps < 1) throw new IllegalArgumentException(id + ": episode step limit must be >= 1, got " + maxEpisodeSteps);
        this.observationSize = observationSize;
        this.actionCount = actionCount;
        this.maxEpisodeSteps = maxEpisodeSteps;
        this.observation = new float[observationSize];
        this.result = new StepResult(observation);
    }

    /** The environment's name, as Gymnasium registers it. */
    public final String id() {
        return id;
    }

    /** Length of the observation vector. */
    public final int observationSize() {
        return observationSize;
    }

    /** Number of discrete actions: actions are {@code 0 .. actionCount() - 1}. */
    public final int actionCount() {
        return actionCount;
    }

    /** The step at which an episode is truncated. */
    public final int maxEpisodeSteps() {
        return maxEpisodeSteps;
    }

    /** Steps taken in the current episode. */
    public final int episodeStep() {
        return episodeStep;
    }

    /** Whether an episode is under way (reset, and neither terminated nor truncated since). */
    public final boolean isRunning() {
        return running;
    }

    /** Seeds the environment's generator and starts an episode; returns the first observation. */
    public final float[] reset(long seed) {
        rng = new Rng(seed);
        return reset();
    }

    /**
     * Starts an episode, continuing the generator of the last {@link #reset(long)} (seed 0 if there
     * was none); returns the first observation.
     */
    public final float[] reset() {
        if (rng == null) rng = new Rng(0);
        episodeStep = 0;
        startEpisode(rng, observation);
        checkFinite(0);
        running = true;
        everReset = true;
        return observation;
    }

    /** Applies {@code action}; the result is valid until the next step or reset. */
    public final StepResult step(int action) {
        if (!running) {
            throw new IllegalStateException(id + ": step " + (everReset ? episodeStep + 1 : 1) + " of an episode that "
                    + (everReset ? "has already ended (terminated or truncated at step " + episodeStep + ")" : "was never started")
                    + "; call reset() first");
        }
        if (action < 0 || action >= actionCount) {
            throw new IllegalArgumentException(id + ": action " + action + " at step " + (episodeStep + 1)
                    + " is outside the action space {0, ..., " + (actionCount - 1) + "}");
        }
        episodeStep++;
        double reward = transition(action, rng, observation);
        checkFinite(episodeStep);
        boolean terminated = isTerminal();
        boolean truncated = episodeStep >= maxEpisodeSteps;
        running = !(terminated || truncated);
        result.set(reward, terminated, truncated);
        return result;
    }

    /** The observation of the last reset or step (owned by the environment). */
    public final float[] observation() {
        return observation;
    }

    /** Draws the initial state from {@code rng} and writes its observation. */
    protected abstract void startEpisode(Rng rng, float[] observation);

    /** Applies a valid action, writes the new observation and returns the reward. */
    protected abstract double transition(int action, Rng rng, float[] observation);

    /** Whether the current state ends the episode. */
    protected abstract boolean isTerminal();

    /** Checks the observation after {@code step} (0: the reset); the message is built only on failure. */
    private void checkFinite(int step) {
        for (int i = 0; i < observationSize; i++) {
            if (!Float.isFinite(observation[i])) {
                running = false;
                throw new IllegalStateException(id + ": " + (step == 0 ? "reset" : "step " + step) + " produced a non-finite observation (" + observation[i]
                        + " at index " + i + " of " + java.util.Arrays.toString(observation) + ")");
            }
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
