package dev.anvil.rl;

import dev.anvil.rl.env.StepResult;
import dev.anvil.rl.env.TabularEnvironment;
import java.util.Objects;

/**
 * Tabular Q-learning (Watkins 1989) and SARSA (Rummery and Niranjan 1994), as in Sutton and
 * Barto, "Reinforcement Learning: An Introduction", 2nd ed., sections 6.4 and 6.5: a table of
 * Q(s, a), an epsilon-greedy behaviour policy, and after each step
 * {@code Q(s, a) += alpha * (r + gamma * next - Q(s, a))}, where {@code next} is
 * {@code max_a' Q(s', a')} for Q-learning and {@code Q(s', a')} of the action actually chosen
 * next for SARSA, and 0 when s' is terminal. A truncated episode still bootstraps from s'.
 *
 * <pre>{@code
 * FrozenLake lake = FrozenLake.lake4x4(true);
 * TabularAgent agent = TabularAgent.qLearning().alpha(0.05).gamma(0.99)
 *         .epsilon(EpsilonSchedule.linear(1, 0.05, 100_000)).seed(1).build(lake);
 * agent.train(300_000, EpisodeListener.NONE);
 * int[] policy = agent.greedyPolicy();
 * }</pre>
 */
public final class TabularAgent {
    /** The update rule. */
    public enum Algorithm { Q_LEARNING, SARSA }

    private final Algorithm algorithm;
    private final TabularEnvironment env;
    private final double alpha, gamma;
    private final EpsilonSchedule epsilon;
    private final Rng rng;
    private final int actions;
    private final double[] q;
    private long steps;
    private long episodes;

    private TabularAgent(Builder b, TabularEnvironment env) {
        this.algorithm = b.algorithm;
        this.env = env;
        this.alpha = b.alpha;
        this.gamma = b.gamma;
        this.epsilon = b.epsilon;
        this.rng = new Rng(b.seed);
        this.actions = env.actionCount();
        this.q = new double[env.stateCount() * actions];
        env.reset(b.seed);
    }

    public static Builder qLearning() {
        return new Builder(Algorithm.Q_LEARNING);
    }

    public static Builder sarsa() {
        return new Builder(Algorithm.SARSA);
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    /** Environment steps taken so far. */
    public long steps() {
        return steps;
    }

    /** Episodes finished so far. */
    public long episodes() {
        return episodes;
    }

    /**
     * Runs {@code steps} more environment steps, continuing the current episode, and tells
     * {@code listener} about every episode that ends.
     */
    public void train(long steps, EpisodeListener listener) {
        if (steps < 0) throw new IllegalArgumentException("TabularAgent: steps must be >= 0, got " + steps);
        Objects.requireNonNull(listener, "listener");
        if (!env.isRunning()) env.reset();
        double ret = 0;
        int s = env.state();
        int a = behaviour(s);
        for (long i = 0; i < steps; i++) {
            StepResult r = env.step(a);
            this.steps++;
            ret += r.reward();
            int s2 = env.state();
            int a2 = behaviour(s2);
            double next = r.terminated() ? 0 : algorithm == Algorithm.Q_LEARNING ? max(s2) : q[s2 * actions + a2];
            int k = s * actions + a;
            q[k] += alpha * (r.reward() + gamma * next - q[k]);
            if (r.done()) {
                listener.onEpisode(++episodes, this.steps, ret, env.episodeStep());
                ret = 0;
                env.reset();
                s2 = env.state();
                a2 = behaviour(s2);
            }
            s = s2;
            a = a2;
        }
    }

    /** Epsilon-greedy with the schedule's epsilon at the current step; ties broken at random. */
    private int behaviour(int s) {
        if (rng.nextDouble() < epsilon.at(steps)) return rng.nextInt(actions);
        double best = max(s);
        int ties = 0, choice = 0;
        for (int a = 0; a < actions; a++) {
            if (q[s * actions + a] == best && rng.nextInt(++ties) == 0) choice = a;
        }
        return choice;
    }

    private double max(int s) {
        double m = q[s * actions];
        for (int a = 1; a < actions; a++) m = Math.max(m, q[s * actions + a]);
        return m;
    }

    /** The greedy action of state {@code s} (the lowest-numbered one among ties). */
    public int greedyAction(int s) {
        if (s < 0 || s >= env.stateCount()) throw new IllegalArgumentException("TabularAgent: state " + s + " is outside [0, " + env.stateCount() + ") of " + env.id());
        int best = 0;
        for (int a = 1; a < actions; a++) if (q[s * actions + a] > q[s * actions + best]) best = a;
        return best;
    }

    /** The greedy action of every state. */
    public int[] greedyPolicy() {
        int[] policy = new int[env.stateCount()];
        for (int s = 0; s < policy.length; s++) policy[s] = greedyAction(s);
        return policy;
    }

    /** Returns of {@code episodes} greedy episodes on the agent's environment (interrupting any training episode). */
    public Evaluation evaluate(int episodes, long seed) {
        return Evaluation.run(env, episodes, seed, obs -> greedyAction(env.state()));
    }

    /** Q(s, a). */
    public double q(int s, int a) {
        if (a < 0 || a >= actions) throw new IllegalArgumentException("TabularAgent: action " + a + " is outside the action space of " + env.id());
        greedyAction(s); // checks s
        return q[s * actions + a];
    }

    /** Options, with defaults that suit FrozenLake. */
    public static final class Builder {
        private final Algorithm algorithm;
        private double alpha = 0.1, gamma = 0.99;
        private EpsilonSchedule epsilon = EpsilonSchedule.constant(0.1);
        private long seed;

        private Builder(Algorithm algorithm) {
            this.algorithm = algorithm;
        }

        /** Step size of the update, in (0, 1]. */
        public Builder alpha(double v) {
            if (!(v > 0 && v <= 1)) throw new IllegalArgumentException("TabularAgent: alpha must be in (0, 1], got " + v);
            alpha = v;
            return this;
        }

        /** Discount factor, in [0, 1]. */
        public Builder gamma(double v) {
            if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("TabularAgent: gamma must be in [0, 1], got " + v);
            gamma = v;
            return this;
        }

        public Builder epsilon(EpsilonSchedule v) {
            epsilon = Objects.requireNonNull(v, "epsilon");
            return this;
        }

        /** Seeds exploration and the environment. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public TabularAgent build(TabularEnvironment env) {
            return new TabularAgent(this, Objects.requireNonNull(env, "env"));
        }
    }
}
