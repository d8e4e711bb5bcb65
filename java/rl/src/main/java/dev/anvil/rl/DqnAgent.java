package dev.anvil.rl;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.io.Checkpoint;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Adam;
import dev.anvil.rl.env.Environment;
import dev.anvil.rl.env.VectorEnv;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deep Q-learning (Mnih et al., "Human-level control through deep reinforcement learning",
 * Nature 2015) on Anvil's layers: an MLP Q-network ({@link Linear} and {@link ReLU} in a
 * {@link Sequential}) trained with {@link Adam} on minibatches from a {@link ReplayBuffer},
 * against a target network updated by copying (hard) or Polyak averaging (soft), with Double DQN
 * targets (van Hasselt et al., AAAI 2016), the Huber loss, gradient clipping by global norm, an
 * epsilon-greedy behaviour policy on a schedule, and optionally prioritised replay.
 *
 * <pre>{@code
 * try (DqnAgent agent = DqnAgent.builder().seed(1).build(4, 2)) {
 *     VectorEnv env = VectorEnv.of(1, CartPole::new);
 *     agent.train(env, 50_000, EpisodeListener.NONE);
 *     Evaluation e = agent.evaluate(new CartPole(), 100, 12345);
 * }
 * }</pre>
 *
 * <p>After warm-up, a training step (acting, stepping the environment, storing the transition,
 * one update) allocates nothing beyond what core's layers allocate in their forward and backward
 * passes: the networks, the replay memory and every buffer are made once. Acting runs on a copy
 * of the online network (refreshed after updates), so that its batch-1 buffers and the
 * training batch's buffers are each allocated once. The agent runs on the CPU and is not
 * thread-safe.
 */
public final class DqnAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DqnAgent.class);
    private static final String AGENT_FILE = "agent.ckpt", TARGET_FILE = "target.ckpt", REPLAY_FILE = "replay.bin";

    private final Builder config;
    private final int obsSize, actions;
    private final String architecture;
    private final Sequential online, target, actor;
    private final List<Parameter> onlineParams, targetParams, actorParams;
    private final ParameterViews onlineViews, targetViews;
    private final Adam adam;
    private final TinyMomentFlush flush;
    private final ReplayBuffer buffer;
    private final ReplayBatch batch;
    private final Tensor dq;
    private final FloatBuffer dqView;
    private final float[] tdErrors;
    private final float[] targets;
    /** Transitions the buffer must hold before updates start (again, after resuming without it). */
    private final int warmup;
    private final int[] nextActions;
    private final OutputView qView = new OutputView(), qNextView = new OutputView(), qNextOnlineView = new OutputView(),
            actorOutView = new OutputView();
    private final Rng rng;
    private Tensor actorInput;
    private FloatBuffer actorInputView;
    private boolean actorStale = true;
    private long steps, updates, episodes;
    private double lastLoss = Double.NaN;
    // The environment being trained on, and what the agent saw last in it.
    private VectorEnv trainingEnv;
    private float[] lastObs;
    private int[] chosen;
    private boolean[] explore;

    private DqnAgent(Builder b, int observationSize, int actionCount) {
        this.config = b.copy();
        this.obsSize = observationSize;
        this.actions = actionCount;
        this.rng = new Rng(b.seed);
        StringJoiner arch = new StringJoiner("-");
        arch.add(Integer.toString(observationSize));
        for (int h : b.hidden) arch.add(Integer.toString(h));
        this.architecture = arch.add(Integer.toString(actionCount)).toString();
        List<AutoCloseable> made = new ArrayList<>();
        try {
            online = track(made, mlp(b.hidden, observationSize, actionCount));
            online.resetParameters(b.seed);
            target = track(made, mlp(b.hidden, observationSize, actionCount));
            target.eval();
            actor = track(made, mlp(b.hidden, observationSize, actionCount));
            actor.eval();
            onlineParams = online.parameters();
            targetParams = target.parameters();
            actorParams = actor.parameters();
            copyParameters(onlineParams, targetParams);
            onlineViews = new ParameterViews(onlineParams);
            targetViews = new ParameterViews(targetParams);
            adam = track(made, Adam.builder().lr(b.learningRate).eps(b.adamEps).build(onlineParams));
            flush = new TinyMomentFlush(adam);
            buffer = track(made, b.prioritized ? ReplayBuffer.prioritized(b.bufferCapacity, observationSize, b.priorityAlpha)
                    : ReplayBuffer.uniform(b.bufferCapacity, observationSize));
            batch = track(made, new ReplayBatch(b.batchSize, observationSize));
            dq = track(made, Tensor.emptyUnscoped(DType.FLOAT32, b.batchSize, actionCount));
            dqView = dq.floatBuffer();
            tdErrors = new float[b.batchSize];
            warmup = Math.min(b.learningStarts, b.bufferCapacity);
            targets = new float[b.batchSize];
            nextActions = new int[b.batchSize];
        } catch (RuntimeException e) {
            for (AutoCloseable c : made) closeQuietly(c);
            throw e;
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> made, T c) {
        made.add(c);
        return c;
    }

    private static Sequential mlp(int[] hidden, int in, int out) {
        Sequential net = new Sequential();
        int width = in;
        for (int h : hidden) {
            net.add(new Linear(width, h)).add(new ReLU());
            width = h;
        }
        return net.add(new Linear(width, out));
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ acting

    /** The greedy action for one observation (the Q-network at batch 1). */
    public int greedyAction(float[] observation) {
        if (observation == null || observation.length != obsSize) {
            throw new IllegalArgumentException("DqnAgent: expected an observation of " + obsSize + " values, got "
                    + (observation == null ? "null" : observation.length));
        }
        greedyActions(observation, 1, chosenFor(1));
        return chosen[0];
    }

    /** Greedy actions for {@code n} observations, row i of {@code observations} for {@code out[i]}. */
    public void greedyActions(float[] observations, int n, int[] out) {
        if (n < 1 || observations.length < n * obsSize || out.length < n) {
            throw new IllegalArgumentException("DqnAgent: " + n + " observations of " + obsSize + " values need " + n * obsSize
                    + " values and " + n + " outputs, got " + observations.length + " and " + out.length);
        }
        checkFinite(observations, n * obsSize);
        if (actorStale) {
            copyParameters(onlineParams, actorParams);
            actorStale = false;
        }
        if (actorInput == null || actorInput.size(0) != n) {
            if (actorInput != null) actorInput.close();
            actorInput = Tensor.emptyUnscoped(DType.FLOAT32, n, obsSize);
            actorInputView = actorInput.floatBuffer();
        }
        actorInputView.put(0, observations, 0, n * obsSize);
        FloatBuffer q = actorOutView.of(actor.forward(actorInput));
        for (int i = 0; i < n; i++) out[i] = argmax(q, i * actions);
    }

    private int argmax(FloatBuffer q, int row) {
        int best = 0;
        for (int a = 1; a < actions; a++) if (q.get(row + a) > q.get(row + best)) best = a;
        return best;
    }

    private void checkFinite(float[] values, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("DqnAgent: observation value " + values[i] + " at index " + i % obsSize + " of row "
                        + i / obsSize + " is not finite (agent step " + steps + ")");
            }
        }
    }

    private int[] chosenFor(int n) {
        if (chosen == null || chosen.length < n) chosen = new int[n];
        return chosen;
    }

    // ------------------------------------------------------------------ training

    /**
     * Runs {@code steps} more environment steps (rounded up to whole steps of all copies) on
     * {@code env}: acts epsilon-greedily, stores the transitions, makes {@code gradientSteps}
     * updates every {@code trainFrequency} vector steps once the replay buffer holds
     * {@code learningStarts} transitions (or is full), and updates the target network every
     * {@code targetUpdateInterval} steps. Calling it again with the same environment continues
     * its episodes; another environment is reset with a seed drawn from the agent's generator (so
     * a restored agent draws the same one).
     */
    public void train(VectorEnv env, long steps, EpisodeListener listener) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(listener, "listener");
        if (steps < 0) throw new IllegalArgumentException("DqnAgent: steps must be >= 0, got " + steps);
        if (env.observationSize() != obsSize || env.actionCount() != actions) {
            throw new IllegalArgumentException("DqnAgent: network " + architecture + " does not fit " + env.env(0).id()
                    + " (observation size " + env.observationSize() + ", " + env.actionCount() + " actions)");
        }
        int n = env.size();
        if (env != trainingEnv) {
            lastObs = env.reset(rng.nextLong()).clone();
            explore = new boolean[n];
            chosenFor(n);
            trainingEnv = env;
        }
        long end = this.steps + steps;
        while (this.steps < end) {
            chooseActions(n);
            env.step(chosen);
            float[] obs = env.observations();
            for (int i = 0; i < n; i++) {
                boolean done = env.done(i);
                buffer.add(lastObs, i * obsSize, chosen[i], env.rewards()[i], done ? env.finalObservations() : obs, i * obsSize,
                        env.terminated()[i]);
                if (done) listener.onEpisode(++episodes, this.steps + i + 1, env.lastEpisodeReturn(i), env.lastEpisodeLength(i));
            }
            System.arraycopy(obs, 0, lastObs, 0, n * obsSize);
            long before = this.steps;
            this.steps += n;
            if (buffer.size() >= warmup && (this.steps / n) % config.trainFrequency == 0) {
                for (int g = 0; g < config.gradientSteps; g++) update();
            }
            if (this.steps / config.targetUpdateInterval != before / config.targetUpdateInterval) updateTarget();
        }
    }

    /** Epsilon-greedy: each copy explores with probability epsilon; the others share one forward pass. */
    private void chooseActions(int n) {
        double eps = config.epsilon.at(steps);
        boolean anyGreedy = false;
        for (int i = 0; i < n; i++) {
            explore[i] = rng.nextDouble() < eps;
            anyGreedy |= !explore[i];
        }
        if (anyGreedy) greedyActions(lastObs, n, chosen);
        for (int i = 0; i < n; i++) if (explore[i]) chosen[i] = rng.nextInt(actions);
    }

    /**
     * One gradient step on a sampled batch: TD targets from the target network, the loss gradient
     * at the taken actions, backward through the online network, gradient clipping, Adam.
     */
    public void update() {
        buffer.sample(rng, batch, beta());
        FloatBuffer qNext = qNextView.of(target.forward(batch.nextObservations));
        if (config.doubleDqn) {
            // Read the online network's choices at s' before its next forward pass reuses the output.
            TdLoss.argmaxRows(qNextOnlineView.of(online.forward(batch.nextObservations)), batch.size(), actions, nextActions);
        }
        TdLoss.targets(config.gamma, batch, actions, qNext, config.doubleDqn ? nextActions : null, targets);
        FloatBuffer q = qView.of(online.forward(batch.observations));
        lastLoss = TdLoss.lossAndGradient(config.loss, batch, actions, q, targets, dqView, tdErrors);
        adam.zeroGrad();
        online.backward(dq, false);
        if (config.maxGradNorm > 0) onlineViews.clipGradNorm(config.maxGradNorm);
        adam.step();
        // Every 100 updates: a moment on its way into the subnormals takes about 150 steps more
        // to get there from 1e-30 (Adam's first moment decays by 0.9 a step).
        if (updates % 100 == 0) flush.flush();
        if (buffer.isPrioritized()) buffer.updatePriorities(batch, tdErrors, config.priorityEpsilon);
        updates++;
        actorStale = true;
    }

    /** The importance-sampling exponent of prioritised replay, annealed linearly to 1. */
    private double beta() {
        return Math.min(1, config.priorityBeta + (1 - config.priorityBeta) * steps / (double) config.priorityBetaSteps);
    }

    /** Hard copy ({@code tau = 1}) or Polyak averaging {@code target = tau * online + (1 - tau) * target}. */
    private void updateTarget() {
        if (config.tau == 1) copyParameters(onlineParams, targetParams);
        else targetViews.polyakFrom(onlineViews, config.tau);
    }

    private static void copyParameters(List<Parameter> from, List<Parameter> to) {
        for (int i = 0; i < from.size(); i++) to.get(i).value().copyFrom(from.get(i).value());
    }

    /**
     * Mean return of {@code episodes} greedy episodes on {@code env} (the first reset with
     * {@code seed}), acting at batch 1 on the current network.
     */
    public Evaluation evaluate(Environment env, int episodes, long seed) {
        if (env.observationSize() != obsSize || env.actionCount() != actions) {
            throw new IllegalArgumentException("DqnAgent: network " + architecture + " does not fit " + env.id());
        }
        return Evaluation.run(env, episodes, seed, this::greedyAction);
    }

    // ------------------------------------------------------------------ state

    /** Environment steps taken (over all copies). */
    public long steps() {
        return steps;
    }

    /** Gradient steps taken. */
    public long updates() {
        return updates;
    }

    /** Training episodes finished. */
    public long episodes() {
        return episodes;
    }

    /** The loss of the last update (NaN before the first). */
    public double lastLoss() {
        return lastLoss;
    }

    /** Epsilon of the behaviour policy at the current step. */
    public double epsilon() {
        return config.epsilon.at(steps);
    }

    /** Layer sizes, "4-120-84-2". */
    public String architecture() {
        return architecture;
    }

    /** The online Q-network (trained by {@link #update()}). */
    public Sequential network() {
        return online;
    }

    /** The target network. */
    public Sequential targetNetwork() {
        return target;
    }

    public ReplayBuffer replayBuffer() {
        return buffer;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * Saves what resuming training needs into directory {@code dir}: the online network and
     * Adam's state with the step, update and episode counts and the random state
     * ({@code agent.ckpt}), the target network ({@code target.ckpt}) and, if
     * {@code withReplayBuffer}, the replay memory ({@code replay.bin}). Each file is written
     * atomically; {@code agent.ckpt} last.
     */
    public void save(Path dir, boolean withReplayBuffer) throws IOException {
        Files.createDirectories(dir);
        if (withReplayBuffer) buffer.save(dir.resolve(REPLAY_FILE));
        Checkpoint.save(dir.resolve(TARGET_FILE), target, null, Map.of(STEPS, Long.toString(steps)));
        Checkpoint.save(dir.resolve(AGENT_FILE), online, adam, Map.of(
                ARCHITECTURE, architecture, STEPS, Long.toString(steps), UPDATES, Long.toString(updates),
                EPISODES, Long.toString(episodes), RNG, Long.toString(rng.state()), REPLAY, Boolean.toString(withReplayBuffer)));
        LOG.debug("saved DQN agent at step {} to {}{}", steps, dir, withReplayBuffer ? " with its replay buffer" : "");
    }

    /**
     * Restores an agent saved by {@link #save} into this one, which must have the same network
     * architecture (and, for the replay memory, the same buffer settings); training then resumes
     * at the saved step, with fresh episodes (and, without a saved replay memory, updates wait
     * until the buffer holds {@code learningStarts} transitions again). Files are checked before
     * they are used; restore
     * into a newly built agent, since a failure midway leaves it partly restored.
     */
    public void load(Path dir) throws IOException {
        Map<String, String> targetMeta;
        try (Sequential scratch = mlp(config.hidden, obsSize, actions)) {
            targetMeta = Checkpoint.load(dir.resolve(TARGET_FILE), scratch, null);
            Map<String, String> meta = Checkpoint.load(dir.resolve(AGENT_FILE), online, adam);
            if (!architecture.equals(meta.get(ARCHITECTURE))) {
                throw new IOException(dir.resolve(AGENT_FILE) + " holds a " + meta.get(ARCHITECTURE) + " network, this agent's is " + architecture);
            }
            if (!Objects.equals(meta.get(STEPS), targetMeta.get(STEPS))) {
                throw new IOException(dir + ": target.ckpt was saved at step " + targetMeta.get(STEPS) + " but agent.ckpt at step " + meta.get(STEPS));
            }
            copyParameters(scratch.parameters(), targetParams);
            if (Boolean.parseBoolean(meta.get(REPLAY))) buffer.load(dir.resolve(REPLAY_FILE));
            steps = Long.parseLong(meta.get(STEPS));
            updates = Long.parseLong(meta.get(UPDATES));
            episodes = Long.parseLong(meta.get(EPISODES));
            rng.setState(Long.parseLong(meta.get(RNG)));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException(dir.resolve(AGENT_FILE) + " lacks the agent's counters (" + e.getMessage() + ")", e);
        }
        actorStale = true;
        trainingEnv = null;
        LOG.debug("restored DQN agent at step {} from {}", steps, dir);
    }

    private static final String ARCHITECTURE = "rl.architecture", STEPS = "rl.steps", UPDATES = "rl.updates",
            EPISODES = "rl.episodes", RNG = "rl.rng", REPLAY = "rl.replay";

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {online, target, actor, adam, buffer, batch, dq, actorInput}) closeQuietly(c);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", c, e);
        }
    }

    @Override
    public String toString() {
        return "DqnAgent(" + architecture + ", steps=" + steps + ", updates=" + updates + ")";
    }

    // ------------------------------------------------------------------ options

    /**
     * Options, with defaults that solve CartPole-v1 within 100k steps (see docs/rl.md); the
     * names follow Stable-Baselines3's DQN.
     */
    public static final class Builder {
        private int[] hidden = {120, 84};
        // Learning rate as in the RL Baselines3 Zoo's tuned DQN for CartPole-v1 (2.3e-3); the
        // network and batch as in CleanRL's DQN (120-84, 128).
        private double learningRate = 2.3e-3, adamEps = 1e-8, gamma = 0.99;
        private int batchSize = 128, bufferCapacity = 100_000, learningStarts = 1000, trainFrequency = 1, gradientSteps = 1;
        private long targetUpdateInterval = 500;
        private double tau = 1.0;
        private boolean doubleDqn = true;
        private TdLoss.Kind loss = TdLoss.Kind.HUBER;
        private double maxGradNorm = 10;
        private EpsilonSchedule epsilon = EpsilonSchedule.linear(1, 0.05, 10_000);
        private boolean prioritized;
        private double priorityAlpha = 0.6, priorityBeta = 0.4, priorityEpsilon = 1e-6;
        private long priorityBetaSteps = 100_000;
        private long seed;

        private Builder() {}

        private Builder copy() {
            Builder b = new Builder();
            b.hidden = hidden.clone();
            b.learningRate = learningRate;
            b.adamEps = adamEps;
            b.gamma = gamma;
            b.batchSize = batchSize;
            b.bufferCapacity = bufferCapacity;
            b.learningStarts = learningStarts;
            b.trainFrequency = trainFrequency;
            b.gradientSteps = gradientSteps;
            b.targetUpdateInterval = targetUpdateInterval;
            b.tau = tau;
            b.doubleDqn = doubleDqn;
            b.loss = loss;
            b.maxGradNorm = maxGradNorm;
            b.epsilon = epsilon;
            b.prioritized = prioritized;
            b.priorityAlpha = priorityAlpha;
            b.priorityBeta = priorityBeta;
            b.priorityEpsilon = priorityEpsilon;
            b.priorityBetaSteps = priorityBetaSteps;
            b.seed = seed;
            return b;
        }

        /** Widths of the hidden layers (ReLU after each); default 120, 84 as in CleanRL's DQN. */
        public Builder hidden(int... widths) {
            if (widths == null || widths.length == 0) throw new IllegalArgumentException("DqnAgent: at least one hidden layer is needed");
            for (int w : widths) if (w < 1) throw new IllegalArgumentException("DqnAgent: hidden widths must be >= 1, got " + Arrays.toString(widths));
            hidden = widths.clone();
            return this;
        }

        /** Adam's learning rate. */
        public Builder learningRate(double v) {
            requirePositive("learning rate", v);
            learningRate = v;
            return this;
        }

        /** Adam's epsilon. */
        public Builder adamEps(double v) {
            requirePositive("Adam epsilon", v);
            adamEps = v;
            return this;
        }

        /** Discount factor, in [0, 1]. */
        public Builder gamma(double v) {
            if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("DqnAgent: gamma must be in [0, 1], got " + v);
            gamma = v;
            return this;
        }

        public Builder batchSize(int v) {
            requirePositive("batch size", v);
            batchSize = v;
            return this;
        }

        public Builder bufferCapacity(int v) {
            requirePositive("buffer capacity", v);
            bufferCapacity = v;
            return this;
        }

        /** Transitions the replay buffer must hold before the first update (at least the batch size). */
        public Builder learningStarts(int v) {
            if (v < 0) throw new IllegalArgumentException("DqnAgent: learning starts must be >= 0, got " + v);
            learningStarts = v;
            return this;
        }

        /** Vector steps between rounds of updates. */
        public Builder trainFrequency(int v) {
            requirePositive("train frequency", v);
            trainFrequency = v;
            return this;
        }

        /** Updates per round. */
        public Builder gradientSteps(int v) {
            requirePositive("gradient steps", v);
            gradientSteps = v;
            return this;
        }

        /** Environment steps between target updates. */
        public Builder targetUpdateInterval(long v) {
            requirePositive("target update interval", v);
            targetUpdateInterval = v;
            return this;
        }

        /** Polyak factor of target updates: 1 copies (hard update), smaller values average (soft). */
        public Builder tau(double v) {
            if (!(v > 0 && v <= 1)) throw new IllegalArgumentException("DqnAgent: tau must be in (0, 1], got " + v);
            tau = v;
            return this;
        }

        /** Double DQN targets (default on). */
        public Builder doubleDqn(boolean v) {
            doubleDqn = v;
            return this;
        }

        public Builder loss(TdLoss.Kind v) {
            loss = Objects.requireNonNull(v, "loss");
            return this;
        }

        /** Largest global gradient norm; 0 turns clipping off. */
        public Builder maxGradNorm(double v) {
            if (!(v >= 0 && Double.isFinite(v))) throw new IllegalArgumentException("DqnAgent: max gradient norm must be >= 0, got " + v);
            maxGradNorm = v;
            return this;
        }

        public Builder epsilon(EpsilonSchedule v) {
            epsilon = Objects.requireNonNull(v, "epsilon");
            return this;
        }

        /**
         * Prioritised replay with exponent {@code alpha}, importance-sampling exponent annealed from
         * {@code beta} to 1 over {@code betaSteps} steps (Schaul et al. 2016: 0.6, 0.4).
         */
        public Builder prioritized(double alpha, double beta, long betaSteps) {
            if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("DqnAgent: priority alpha must be in [0, 1], got " + alpha);
            if (!(beta >= 0 && beta <= 1)) throw new IllegalArgumentException("DqnAgent: priority beta must be in [0, 1], got " + beta);
            requirePositive("priority beta steps", betaSteps);
            prioritized = true;
            priorityAlpha = alpha;
            priorityBeta = beta;
            priorityBetaSteps = betaSteps;
            return this;
        }

        /** Seeds the initial weights, exploration, sampling and the training environments. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        private static void requirePositive(String what, double v) {
            if (!(v > 0 && Double.isFinite(v))) throw new IllegalArgumentException("DqnAgent: " + what + " must be > 0, got " + v);
        }

        /** An agent for observations of {@code observationSize} values and {@code actionCount} actions. */
        public DqnAgent build(int observationSize, int actionCount) {
            requirePositive("observation size", observationSize);
            if (actionCount < 2) throw new IllegalArgumentException("DqnAgent: action count must be >= 2, got " + actionCount);
            if (learningStarts < batchSize) {
                throw new IllegalArgumentException("DqnAgent: learning starts (" + learningStarts + ") must be at least the batch size ("
                        + batchSize + "), or the first update would sample from too few transitions");
            }
            if (bufferCapacity < batchSize) {
                throw new IllegalArgumentException("DqnAgent: buffer capacity (" + bufferCapacity + ") is below the batch size (" + batchSize + ")");
            }
            return new DqnAgent(this, observationSize, actionCount);
        }
    }
}
