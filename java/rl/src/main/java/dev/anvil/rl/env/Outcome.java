package dev.anvil.rl.env;

/**
 * One possible result of taking an action in a state of a {@link TabularEnvironment}: with
 * {@code probability}, the next state, the reward and whether that next state ends the episode
 * (Gymnasium's {@code P[s][a]} entries {@code (prob, next_state, reward, terminated)}).
 */
public record Outcome(double probability, int nextState, double reward, boolean terminal) {}
