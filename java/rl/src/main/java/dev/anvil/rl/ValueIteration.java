package dev.anvil.rl;

import dev.anvil.rl.env.Outcome;
import dev.anvil.rl.env.TabularEnvironment;

/**
 * Planning on a known transition model (Bellman 1957; Sutton and Barto, "Reinforcement Learning:
 * An Introduction", 2nd ed., section 4.4): the optimal values, and the values of a given policy.
 * With {@code gamma = 1} and a reward of 1 at the goal (FrozenLake), a state's value is the
 * probability of reaching the goal from it.
 */
public final class ValueIteration {
    private static final int MAX_SWEEPS = 1_000_000;
    private ValueIteration() {}

    /**
     * Optimal expected return of each state within {@code horizon} steps: {@code horizon} Bellman
     * optimality backups from zero. The optimum within a step limit may need a policy that
     * depends on the steps left; {@code horizon = Integer.MAX_VALUE} iterates until no value
     * changes by more than 1e-12 (no limit; at most a million backups, else it throws).
     */
    public static double[] optimalValues(TabularEnvironment env, double gamma, int horizon) {
        return iterate(env, null, gamma, horizon);
    }

    /** Expected return of each state under the stationary {@code policy} ({@code policy[s]} the action in s). */
    public static double[] policyValues(TabularEnvironment env, int[] policy, double gamma, int horizon) {
        if (policy == null || policy.length != env.stateCount()) {
            throw new IllegalArgumentException("ValueIteration: " + env.id() + " has " + env.stateCount() + " states, policy has "
                    + (policy == null ? "null" : policy.length + " entries"));
        }
        for (int s = 0; s < policy.length; s++) {
            if (policy[s] < 0 || policy[s] >= env.actionCount()) {
                throw new IllegalArgumentException("ValueIteration: action " + policy[s] + " of state " + s + " is outside the action space of " + env.id());
            }
        }
        return iterate(env, policy, gamma, horizon);
    }

    /** Greedy action of each state with respect to one backup of {@code values}. */
    public static int[] greedyPolicy(TabularEnvironment env, double[] values, double gamma) {
        int[] policy = new int[env.stateCount()];
        for (int s = 0; s < policy.length; s++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < env.actionCount(); a++) {
                double q = backup(env, values, gamma, s, a);
                if (q > best) {
                    best = q;
                    policy[s] = a;
                }
            }
        }
        return policy;
    }

    private static double[] iterate(TabularEnvironment env, int[] policy, double gamma, int horizon) {
        if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("ValueIteration: gamma must be in [0, 1], got " + gamma);
        if (horizon < 1) throw new IllegalArgumentException("ValueIteration: horizon must be >= 1, got " + horizon);
        double[] v = new double[env.stateCount()];
        double[] next = new double[v.length];
        boolean toConvergence = horizon == Integer.MAX_VALUE;
        for (int it = 0; it < horizon; it++) {
            double change = 0;
            for (int s = 0; s < v.length; s++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < env.actionCount(); a++) {
                    if (policy == null || policy[s] == a) best = Math.max(best, backup(env, v, gamma, s, a));
                }
                next[s] = best;
                change = Math.max(change, Math.abs(best - v[s]));
            }
            double[] t = v;
            v = next;
            next = t;
            if (toConvergence && change < 1e-12) return v;
            if (toConvergence && it >= MAX_SWEEPS) {
                throw new IllegalStateException("ValueIteration: values of " + env.id() + " still change by " + change + " after "
                        + MAX_SWEEPS + " sweeps (gamma " + gamma + "): returns without a bound");
            }
        }
        return v;
    }

    /** r + gamma * V(s') averaged over the outcomes of action a in state s; terminal next states are worth 0. */
    private static double backup(TabularEnvironment env, double[] v, double gamma, int s, int a) {
        double q = 0;
        for (Outcome o : env.outcomes(s, a)) q += o.probability() * (o.reward() + (o.terminal() ? 0 : gamma * v[o.nextState()]));
        return q;
    }
}
