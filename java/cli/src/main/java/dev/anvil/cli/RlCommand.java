package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.rl.DqnAgent;
import dev.anvil.rl.EpisodeListener;
import dev.anvil.rl.EpsilonSchedule;
import dev.anvil.rl.Evaluation;
import dev.anvil.rl.TabularAgent;
import dev.anvil.rl.TdLoss;
import dev.anvil.rl.ValueIteration;
import dev.anvil.rl.env.CartPole;
import dev.anvil.rl.env.Environment;
import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.VectorEnv;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code anvil rl}: trains DQN, Q-learning or SARSA on CartPole-v1 or FrozenLake, printing
 * episodes as they end and greedy evaluations, then the final evaluation.
 */
@Command(name = "rl", mixinStandardHelpOptions = true, subcommands = RlBenchCommand.class,
        description = {"Reinforcement learning: DQN on CartPole-v1, tabular Q-learning or SARSA on FrozenLake; "
                + "prints episodes and the greedy policy's evaluation.",
                "  anvil rl --env cartpole --algo dqn --steps 100000 --seed 1",
                "  anvil rl --env frozenlake8x8 --algo q-learning"})
final class RlCommand implements Callable<Integer> {
    enum Env { cartpole, frozenlake4x4, frozenlake8x8 }

    @Spec
    CommandSpec spec;

    @Option(names = "--env", defaultValue = "cartpole", description = "cartpole, frozenlake4x4 or frozenlake8x8 (default: ${DEFAULT-VALUE}).")
    Env env;

    @Option(names = "--algo", defaultValue = "dqn", description = "dqn, q-learning or sarsa (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--steps", description = "Environment steps (default: 100000 for DQN, 1000000 on the 4x4 lake, 2000000 on the 8x8 lake).")
    Long steps;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the networks, exploration and environments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--slippery", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Slippery FrozenLake (default: ${DEFAULT-VALUE}).")
    boolean slippery;

    @Option(names = "--eval-episodes", description = "Greedy episodes of the final evaluation (default: 100 for DQN, 10000 for tabular).")
    Integer evalEpisodes;

    @Option(names = "--threads", defaultValue = "1", description = "Compute threads; small networks are fastest on one (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--print-every", description = "Print every Nth episode (default: 10 for DQN, 10000 for tabular).")
    Integer printEvery;

    @Option(names = "--epsilon-steps", description = "Steps over which epsilon falls linearly from 1 (default: 10000 for DQN, 30%% of the steps for tabular).")
    Long epsilonSteps;

    @Option(names = "--epsilon-end", defaultValue = "0.05", description = "Final epsilon (default: ${DEFAULT-VALUE}).")
    double epsilonEnd;

    @Option(names = "--gamma", description = "Discount (default: 0.99; 0.999 on the slippery 8x8 lake, where a shorter horizon trades safety for speed).")
    Double gamma;

    // ---- tabular
    @Option(names = "--alpha", description = "Tabular step size (default: 0.02 on the 4x4 lake, 0.03 on the 8x8 lake).")
    Double alpha;

    // ---- DQN
    @Option(names = "--envs", defaultValue = "1", description = "DQN: copies of the environment stepped together (default: ${DEFAULT-VALUE}).")
    int envs;

    @Option(names = "--eval-every", defaultValue = "2500", description = "DQN: steps between 10-episode greedy evaluations (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--solve-at", defaultValue = "475",
            description = "DQN: stop once the mean greedy return over --eval-episodes reaches this (CartPole-v1's threshold, default: ${DEFAULT-VALUE}); 0: never stop.")
    double solveAt;

    @Option(names = "--lr", description = "DQN: Adam's learning rate (default: 0.0023).")
    Double lr;

    @Option(names = "--batch", description = "DQN: batch size (default: 128).")
    Integer batch;

    @Option(names = "--buffer", description = "DQN: replay capacity (default: 100000).")
    Integer buffer;

    @Option(names = "--learning-starts", description = "DQN: transitions before the first update (default: 1000).")
    Integer learningStarts;

    @Option(names = "--target-update", description = "DQN: steps between target updates (default: 500).")
    Long targetUpdate;

    @Option(names = "--tau", description = "DQN: Polyak factor of target updates, 1 = copy (default: 1).")
    Double tau;

    @Option(names = "--double-dqn", negatable = true, defaultValue = "true", fallbackValue = "true", description = "DQN: Double DQN targets (default: ${DEFAULT-VALUE}).")
    boolean doubleDqn;

    @Option(names = "--loss", defaultValue = "HUBER", description = "DQN: HUBER or MSE (default: ${DEFAULT-VALUE}).")
    TdLoss.Kind loss;

    @Option(names = "--max-grad-norm", description = "DQN: gradient clipping by global norm, 0 = off (default: 10).")
    Double maxGradNorm;

    @Option(names = "--prioritized", description = "DQN: prioritised replay (alpha 0.6, beta 0.4 to 1 over the run).")
    boolean prioritized;

    @Option(names = "--checkpoint", description = "DQN: save the agent in this directory after every evaluation.")
    Path checkpoint;

    @Option(names = "--resume", description = "DQN: continue from --checkpoint.")
    boolean resume;

    @Option(names = "--save-replay", description = "DQN: save the replay buffer with the checkpoint.")
    boolean saveReplay;

    @Override
    public Integer call() throws IOException {
        Anvil.setNumThreads(threads);
        return switch (algo) {
            case "dqn" -> dqn();
            case "q-learning", "sarsa" -> tabular();
            default -> throw new ParameterException(spec.commandLine(), "--algo must be dqn, q-learning or sarsa, got '" + algo + "'");
        };
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private Supplier<Environment> environment() {
        return switch (env) {
            case cartpole -> CartPole::new;
            case frozenlake4x4 -> () -> FrozenLake.lake4x4(slippery);
            case frozenlake8x8 -> () -> FrozenLake.lake8x8(slippery);
        };
    }

    // ------------------------------------------------------------------ DQN

    private int dqn() throws IOException {
        if (resume && checkpoint == null) throw new ParameterException(spec.commandLine(), "--resume needs --checkpoint DIR");
        long total = steps != null ? steps : 100_000;
        int episodes = evalEpisodes != null ? evalEpisodes : 100;
        int every = printEvery != null ? printEvery : 10;
        Supplier<Environment> factory = environment();
        Environment evalEnv = factory.get();
        VectorEnv train = VectorEnv.of(envs, factory);
        DqnAgent.Builder b = DqnAgent.builder().seed(seed).doubleDqn(doubleDqn).loss(loss)
                .epsilon(EpsilonSchedule.linear(1, epsilonEnd, epsilonSteps != null ? epsilonSteps : 10_000));
        if (lr != null) b.learningRate(lr);
        if (gamma != null) b.gamma(gamma);
        if (batch != null) b.batchSize(batch);
        if (buffer != null) b.bufferCapacity(buffer);
        if (learningStarts != null) b.learningStarts(learningStarts);
        if (targetUpdate != null) b.targetUpdateInterval(targetUpdate);
        if (tau != null) b.tau(tau);
        if (maxGradNorm != null) b.maxGradNorm(maxGradNorm);
        if (prioritized) b.prioritized(0.6, 0.4, total);
        PrintWriter out = out();
        try (DqnAgent agent = b.build(evalEnv.observationSize(), evalEnv.actionCount())) {
            if (resume && Files.exists(checkpoint.resolve("agent.ckpt"))) {
                agent.load(checkpoint);
                out.printf(Locale.ROOT, "resumed from %s at step %d%n", checkpoint, agent.steps());
            }
            out.printf(Locale.ROOT, "DQN %s on %s (%d cop%s), %d steps, seed %d, %d thread%s%n", agent.architecture(), evalEnv.id(), envs,
                    envs == 1 ? "y" : "ies", total, seed, Anvil.numThreads(), Anvil.numThreads() == 1 ? "" : "s");
            double[] recent = new double[every];
            EpisodeListener printer = (episode, step, ret, length) -> {
                recent[(int) ((episode - 1) % every)] = ret;
                if (episode % every == 0) {
                    double mean = 0;
                    for (double r : recent) mean += r / every;
                    out.printf(Locale.ROOT, "episode %6d  step %7d  return %6.1f  mean of last %d %6.1f  epsilon %.3f  loss %.4f%n", episode, step,
                            ret, every, mean, agent.epsilon(), agent.lastLoss());
                    out.flush();
                }
            };
            long start = System.nanoTime();
            Evaluation solved = null;
            while (agent.steps() < total && solved == null) {
                agent.train(train, Math.min(evalEvery, total - agent.steps()), printer);
                Evaluation quick = agent.evaluate(evalEnv, 10, seed + 1_000_000 + agent.steps());
                out.printf(Locale.ROOT, "eval    step %7d  greedy return %s%n", agent.steps(), quick);
                if (solveAt > 0 && quick.mean() >= solveAt) {
                    Evaluation full = agent.evaluate(evalEnv, episodes, seed + 2_000_000 + agent.steps());
                    out.printf(Locale.ROOT, "eval    step %7d  greedy return %s%n", agent.steps(), full);
                    if (full.mean() >= solveAt) solved = full;
                }
                if (checkpoint != null) agent.save(checkpoint, saveReplay);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation last = solved != null ? solved : agent.evaluate(evalEnv, episodes, seed + 3_000_000);
            out.printf(Locale.ROOT, "evaluation: greedy return %s after %d steps%n", last, agent.steps());
            if (solved != null) {
                out.printf(Locale.ROOT, "solved at step %d (mean greedy return >= %.0f over %d episodes)%n", agent.steps(), solveAt, episodes);
            } else if (solveAt > 0) {
                out.printf(Locale.ROOT, "not solved within %d steps (mean greedy return < %.0f over %d episodes)%n", agent.steps(), solveAt, episodes);
            }
            out.printf(Locale.ROOT, "wall time %.1f s (%d updates, %.0f steps/s)%n", seconds, agent.updates(), agent.steps() / seconds);
            out.flush();
        }
        return 0;
    }

    // ------------------------------------------------------------------ tabular

    private int tabular() {
        if (env == Env.cartpole) {
            throw new ParameterException(spec.commandLine(), "--algo " + algo + " needs a tabular environment (frozenlake4x4 or "
                    + "frozenlake8x8); CartPole's states are continuous: use --algo dqn");
        }
        boolean big = env == Env.frozenlake8x8;
        FrozenLake lake = (FrozenLake) environment().get();
        long total = steps != null ? steps : big ? 2_000_000 : 1_000_000;
        int every = printEvery != null ? printEvery : 10_000;
        TabularAgent.Builder b = algo.equals("sarsa") ? TabularAgent.sarsa() : TabularAgent.qLearning();
        TabularAgent agent = b.alpha(alpha != null ? alpha : big ? 0.03 : 0.02).gamma(gamma != null ? gamma : big && slippery ? 0.999 : 0.99)
                .epsilon(EpsilonSchedule.linear(1, epsilonEnd, epsilonSteps != null ? epsilonSteps : Math.max(1, total * 3 / 10)))
                .seed(seed).build(lake);
        PrintWriter out = out();
        out.printf(Locale.ROOT, "%s on %s (%s), %d steps, seed %d%n", algo, lake.id(), slippery ? "slippery" : "not slippery", total, seed);
        long[] successes = new long[1];
        EpisodeListener printer = (episode, step, ret, length) -> {
            successes[0] += ret > 0 ? 1 : 0;
            if (episode % every == 0) {
                out.printf(Locale.ROOT, "episode %8d  step %9d  success rate of the last %d %.3f%n", episode, step, every, successes[0] / (double) every);
                out.flush();
                successes[0] = 0;
            }
        };
        long start = System.nanoTime();
        agent.train(total, printer);
        double seconds = (System.nanoTime() - start) / 1e9;
        int episodes = evalEpisodes != null ? evalEpisodes : 10_000;
        Evaluation e = agent.evaluate(episodes, seed + 1_000_000);
        int[] policy = agent.greedyPolicy();
        int limit = lake.maxEpisodeSteps();
        out.printf(Locale.ROOT, "evaluation: greedy success rate %.4f over %d episodes (%d-step limit)%n", e.mean(), episodes, limit);
        out.printf(Locale.ROOT, "greedy policy, exact: P(goal) %.4f within %d steps, %.4f without a limit%n",
                ValueIteration.policyValues(lake, policy, 1, limit)[0], limit, ValueIteration.policyValues(lake, policy, 1, Integer.MAX_VALUE)[0]);
        out.printf(Locale.ROOT, "optimum (value iteration): P(goal) %.4f within %d steps, %.4f without a limit%n",
                ValueIteration.optimalValues(lake, 1, limit)[0], limit, ValueIteration.optimalValues(lake, 1, Integer.MAX_VALUE)[0]);
        out.printf(Locale.ROOT, "wall time %.1f s (%.0f steps/s)%n", seconds, total / seconds);
        out.flush();
        return 0;
    }
}
