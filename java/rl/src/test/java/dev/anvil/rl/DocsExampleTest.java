package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.rl.env.CartPole;
import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.StepResult;
import dev.anvil.rl.env.VectorEnv;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java examples of docs/rl.md, as written there (with fewer steps). */
class DocsExampleTest {
    @TempDir
    Path dir;

    @Test
    void environmentLoop() {
        CartPole env = new CartPole();
        float[] obs = env.reset(42);                 // Gymnasium: env.reset(seed=42)
        double ret = 0;
        StepResult r;
        do {
            int action = obs[2] + obs[3] > 0 ? 1 : 0;  // push the cart under the falling pole
            r = env.step(action);                     // observation, reward, terminated, truncated
            obs = r.observation();
            ret += r.reward();
        } while (!r.terminated() && !r.truncated());
        System.out.println("return " + ret);
        assertTrue(ret > 100, "the hand-made policy balances for a while: " + ret);
    }

    @Test
    void qLearningOnFrozenLake() {
        FrozenLake lake = FrozenLake.lake4x4(true);
        TabularAgent agent = TabularAgent.qLearning().alpha(0.02).gamma(0.99)
                .epsilon(EpsilonSchedule.linear(1.0, 0.05, 300_000)).seed(1).build(lake);
        agent.train(1_000_000, EpisodeListener.NONE);
        int[] policy = agent.greedyPolicy();
        double success = ValueIteration.policyValues(lake, policy, 1.0, Integer.MAX_VALUE)[0];
        double optimum = ValueIteration.optimalValues(lake, 1.0, Integer.MAX_VALUE)[0];
        System.out.printf("P(goal) %.4f, optimum %.4f%n", success, optimum);
        assertEquals(optimum, success, 0.02);
    }

    @Test
    void dqnOnCartPole() throws IOException {
        Path checkpoints = dir.resolve("cartpole-dqn");
        try (DqnAgent agent = DqnAgent.builder()
                .hidden(120, 84).learningRate(2.3e-3).batchSize(128).gamma(0.99)
                .targetUpdateInterval(500).doubleDqn(true).loss(TdLoss.Kind.HUBER).maxGradNorm(10)
                .epsilon(EpsilonSchedule.linear(1.0, 0.05, 10_000)).seed(1)
                .build(4, 2)) {
            VectorEnv env = VectorEnv.of(1, CartPole::new);
            agent.train(env, 3_000, (episode, step, ret, length) -> {
                if (episode % 50 == 0) System.out.printf("episode %d at step %d: return %.0f%n", episode, step, ret);
            });
            Evaluation eval = agent.evaluate(new CartPole(), 10, 12345);
            System.out.println("greedy return " + eval);
            agent.save(checkpoints, true);           // network, target, Adam, counters, replay buffer
            assertEquals(3_000, agent.steps());
        }
        try (DqnAgent resumed = DqnAgent.builder().seed(1).build(4, 2)) {
            resumed.load(checkpoints);
            assertEquals(3_000, resumed.steps());
        }
    }
}
