package dev.anvil.cli;

import static dev.anvil.cli.CliTest.anvil;
import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.cli.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code anvil rl} in short runs, in-process (through {@link CliTest#anvil}). */
class RlCommandTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    @Test
    void qLearningOnFrozenLakePrintsItsSuccessRateBesideTheOptimum() {
        Result r = anvil("rl", "--env", "frozenlake4x4", "--algo", "q-learning", "--steps", "300000", "--print-every", "5000");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("q-learning on FrozenLake-v1 (slippery), 300000 steps"), r.out());
        assertTrue(r.out().contains("episode     5000"), r.out());
        assertTrue(r.out().contains("evaluation: greedy success rate"), r.out());
        assertTrue(r.out().contains("optimum (value iteration): P(goal) 0.7442 within 100 steps, 0.8235 without a limit"), r.out());
    }

    @Test
    void sarsaWalksTheNonSlipperyLake() {
        Result r = anvil("rl", "--env", "frozenlake8x8", "--algo", "sarsa", "--no-slippery", "--steps", "200000", "--eval-episodes", "10");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("greedy success rate 1.0000 over 10 episodes (200-step limit)"), r.out());
    }

    @Test
    void dqnOnCartPolePrintsEpisodesEvaluationsAndResumesFromACheckpoint() {
        Path ckpt = dir.resolve("agent");
        String[] args = {"rl", "--env", "cartpole", "--algo", "dqn", "--steps", "2000", "--learning-starts", "500", "--eval-every", "1000",
                "--eval-episodes", "5", "--print-every", "5", "--checkpoint", ckpt.toString(), "--save-replay"};
        Result r = anvil(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("DQN 4-120-84-2 on CartPole-v1 (1 copy), 2000 steps, seed 1, 1 thread"), r.out());
        assertTrue(r.out().contains("episode      5  step"), r.out());
        assertTrue(r.out().contains("eval    step    1000  greedy return"), r.out());
        assertTrue(r.out().contains("evaluation: greedy return"), r.out());
        assertTrue(r.out().contains("not solved within 2000 steps"), r.out());
        assertTrue(Files.exists(ckpt.resolve("agent.ckpt")) && Files.exists(ckpt.resolve("replay.bin")));

        String[] more = java.util.Arrays.copyOf(args, args.length + 1);
        more[args.length] = "--resume";
        more[6] = "3000";
        Result again = anvil(more);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resumed from " + ckpt + " at step 2000"), again.out());
        assertTrue(again.out().contains("eval    step    3000"), again.out());
        assertFalse(again.out().contains("eval    step    1000"), again.out());
    }

    @Test
    void vectorisedDqnAndPrioritisedReplayRun() {
        Result r = anvil("rl", "--envs", "4", "--prioritized", "--steps", "1200", "--learning-starts", "400", "--eval-every", "1200",
                "--eval-episodes", "2", "--solve-at", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(4 copies)"), r.out());
        assertFalse(r.out().contains("solved"), r.out());
    }

    @Test
    void benchMeasuresAnvilAlone() {
        Result r = anvil("rl", "bench", "--rounds", "1", "--updates", "20", "--actions", "100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("median  anvil    update"), r.out());
        assertFalse(r.out().contains("pytorch"), r.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        Result tabularCartPole = anvil("rl", "--env", "cartpole", "--algo", "q-learning");
        assertEquals(2, tabularCartPole.code());
        assertTrue(tabularCartPole.err().contains("needs a tabular environment"), tabularCartPole.err());
        Result unknown = anvil("rl", "--algo", "ppo");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--algo must be dqn, q-learning or sarsa, got 'ppo'"), unknown.err());
        Result resume = anvil("rl", "--resume");
        assertEquals(2, resume.code());
        assertTrue(resume.err().contains("--resume needs --checkpoint"), resume.err());
        Result env = anvil("rl", "--env", "mountaincar");
        assertEquals(2, env.code());
        Result copies = anvil("rl", "--envs", "0");
        assertEquals(1, copies.code());
        assertTrue(copies.err().contains("number of copies must be >= 1"), copies.err());
        Result lr = anvil("rl", "--lr", "-1");
        assertEquals(1, lr.code());
        assertTrue(lr.err().contains("learning rate must be > 0"), lr.err());
    }
}
