package dev.anvil.rl.env;

/**
 * What {@link Environment#step(int)} returns: Gymnasium's {@code (observation, reward,
 * terminated, truncated)}. The object and its observation array belong to the environment and
 * are rewritten by its next step or reset.
 */
public final class StepResult {
    private final float[] observation;
    private double reward;
    private boolean terminated;
    private boolean truncated;

    StepResult(float[] observation) {
        this.observation = observation;
    }

    void set(double reward, boolean terminated, boolean truncated) {
        this.reward = reward;
        this.terminated = terminated;
        this.truncated = truncated;
    }

    /** The observation after the step (the environment's array: copy it to keep it). */
    public float[] observation() {
        return observation;
    }

    public double reward() {
        return reward;
    }

    /** The episode reached a terminal state: its value is 0 from here on. */
    public boolean terminated() {
        return terminated;
    }

    /** The episode hit the step limit in a non-terminal (or terminal) state. */
    public boolean truncated() {
        return truncated;
    }

    /** Terminated or truncated: the next step needs a reset. */
    public boolean done() {
        return terminated || truncated;
    }

    @Override
    public String toString() {
        return "StepResult(reward=" + reward + ", terminated=" + terminated + ", truncated=" + truncated + ")";
    }
}
