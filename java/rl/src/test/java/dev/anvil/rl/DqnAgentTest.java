package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.io.CheckpointException;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import dev.anvil.rl.env.CartPole;
import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.VectorEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DqnAgentTest {
    @TempDir
    Path dir;

    private static DqnAgent.Builder small() {
        return DqnAgent.builder().hidden(16, 16).batchSize(16).bufferCapacity(500).learningStarts(100).targetUpdateInterval(50).seed(7);
    }

    private static void assertSameParameters(Sequential a, Sequential b) {
        List<Parameter> pa = a.parameters(), pb = b.parameters();
        assertEquals(pa.size(), pb.size());
        for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i).value().toFloatArray(), pb.get(i).value().toFloatArray(), "parameter " + i);
    }

    @Test
    void theNetworkIsTheRequestedMlp() {
        try (DqnAgent agent = DqnAgent.builder().build(4, 2)) {
            assertEquals("4-120-84-2", agent.architecture());
            assertEquals(4 * 120 + 120 + 120 * 84 + 84 + 84 * 2 + 2, agent.network().parameterCount());
            assertSameParameters(agent.network(), agent.targetNetwork());
            assertTrue(Double.isNaN(agent.lastLoss()));
            assertEquals(1.0, agent.epsilon());
        }
    }

    @Test
    void updatesStartOnceTheBufferHoldsLearningStartsTransitions() {
        try (DqnAgent agent = small().build(4, 2)) {
            VectorEnv env = VectorEnv.of(1, CartPole::new);
            agent.train(env, 99, EpisodeListener.NONE);
            assertEquals(0, agent.updates());
            agent.train(env, 1, EpisodeListener.NONE);
            assertEquals(1, agent.updates());
            assertTrue(Double.isFinite(agent.lastLoss()));
            agent.train(env, 50, EpisodeListener.NONE);
            assertEquals(51, agent.updates());
            assertEquals(150, agent.replayBuffer().size());
        }
    }

    @Test
    void hardTargetUpdatesCopyAndSoftOnesAverage() {
        try (DqnAgent hard = small().build(4, 2); DqnAgent soft = small().tau(0.5).build(4, 2)) {
            VectorEnv e1 = VectorEnv.of(1, CartPole::new), e2 = VectorEnv.of(1, CartPole::new);
            hard.train(e1, 150, EpisodeListener.NONE); // step 150: a target update right after the update
            assertSameParameters(hard.network(), hard.targetNetwork());
            hard.train(e1, 10, EpisodeListener.NONE);
            assertFalse(java.util.Arrays.equals(hard.network().parameters().get(0).value().toFloatArray(),
                    hard.targetNetwork().parameters().get(0).value().toFloatArray()), "the target waits for the next interval");
            soft.train(e2, 149, EpisodeListener.NONE);
            float[] online = soft.network().parameters().get(0).value().toFloatArray();
            float[] before = soft.targetNetwork().parameters().get(0).value().toFloatArray();
            soft.train(e2, 1, EpisodeListener.NONE);
            float[] onlineAfter = soft.network().parameters().get(0).value().toFloatArray();
            float[] after = soft.targetNetwork().parameters().get(0).value().toFloatArray();
            assertFalse(java.util.Arrays.equals(online, onlineAfter), "step 150 updated the online network");
            for (int i = 0; i < after.length; i++) assertEquals(0.5f * onlineAfter[i] + 0.5f * before[i], after[i], 1e-6f);
        }
    }

    @Test
    void vectorisedTrainingCountsTheStepsOfEveryCopy() {
        try (DqnAgent agent = small().build(4, 2)) {
            VectorEnv env = VectorEnv.of(4, CartPole::new);
            long[] lengths = new long[1];
            agent.train(env, 400, (episode, step, ret, length) -> {
                assertEquals(length, ret, "CartPole pays 1 per step");
                lengths[0] += length;
            });
            assertEquals(400, agent.steps());
            assertTrue(agent.episodes() >= 4, "episodes " + agent.episodes());
            assertTrue(lengths[0] <= 400);
            assertEquals(400, agent.replayBuffer().size());
            assertEquals(76, agent.updates(), "one update per vector step from step 100 on: after steps 100, 104, ..., 400");
        }
    }

    @Test
    void prioritizedReplayTrains() {
        try (DqnAgent agent = small().prioritized(0.6, 0.4, 1000).build(4, 2)) {
            agent.train(VectorEnv.of(1, CartPole::new), 300, EpisodeListener.NONE);
            assertTrue(agent.replayBuffer().isPrioritized());
            assertEquals(201, agent.updates());
            assertTrue(Double.isFinite(agent.lastLoss()));
        }
    }

    @Test
    void aCheckpointResumesTrainingExactly() throws IOException {
        for (boolean withBuffer : new boolean[] {true, false}) {
            Path ckpt = dir.resolve("ckpt-" + withBuffer);
            try (DqnAgent agent = small().build(4, 2); DqnAgent resumed = small().seed(99).build(4, 2)) {
                agent.train(VectorEnv.of(1, CartPole::new), 300, EpisodeListener.NONE);
                agent.save(ckpt, withBuffer);
                resumed.load(ckpt);
                assertEquals(300, resumed.steps());
                assertEquals(agent.updates(), resumed.updates());
                assertEquals(agent.episodes(), resumed.episodes());
                assertSameParameters(agent.network(), resumed.network());
                assertSameParameters(agent.targetNetwork(), resumed.targetNetwork());
                assertEquals(withBuffer ? 300 : 0, resumed.replayBuffer().size());
                if (!withBuffer) continue;
                // Both continue on fresh environments (episodes restart on resume): same updates, same weights.
                agent.train(VectorEnv.of(1, CartPole::new), 200, EpisodeListener.NONE);
                resumed.train(VectorEnv.of(1, CartPole::new), 200, EpisodeListener.NONE);
                assertEquals(agent.updates(), resumed.updates());
                assertSameParameters(agent.network(), resumed.network());
                assertSameParameters(agent.targetNetwork(), resumed.targetNetwork());
            }
        }
        try (DqnAgent resumed = small().build(4, 2)) {
            resumed.load(dir.resolve("ckpt-false"));
            long updates = resumed.updates();
            VectorEnv env = VectorEnv.of(1, CartPole::new);
            resumed.train(env, 99, EpisodeListener.NONE);
            assertEquals(updates, resumed.updates(), "without the saved buffer, updates wait for 100 new transitions");
            resumed.train(env, 1, EpisodeListener.NONE);
            assertEquals(updates + 1, resumed.updates());
        }
    }

    @Test
    void checkpointsOfAnotherNetworkOrDamagedOnesAreRejected() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (DqnAgent agent = small().build(4, 2)) {
            agent.save(ckpt, false);
        }
        try (DqnAgent wider = small().hidden(32, 16).build(4, 2)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> wider.load(ckpt));
            assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        }
        try (DqnAgent agent = small().build(4, 2)) {
            assertThrows(IOException.class, () -> agent.load(dir.resolve("missing")));
            Files.write(ckpt.resolve("agent.ckpt"), new byte[] {1, 2, 3});
            assertThrows(CheckpointException.class, () -> agent.load(ckpt));
            assertEquals(0, agent.steps());
        }
    }

    @Test
    void badArgumentsGiveClearErrors() {
        try (DqnAgent agent = small().build(4, 2)) {
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> agent.greedyAction(new float[3]));
            assertEquals("DqnAgent: expected an observation of 4 values, got 3", size.getMessage());
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> agent.greedyAction(new float[] {0, 0, Float.NaN, 0}));
            assertTrue(nan.getMessage().contains("NaN at index 2") || nan.getMessage().contains("value NaN at index 2"), nan.getMessage());
            IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                    () -> agent.train(VectorEnv.of(1, () -> FrozenLake.lake4x4(true)), 10, EpisodeListener.NONE));
            assertTrue(env.getMessage().contains("4-16-16-2") && env.getMessage().contains("FrozenLake-v1"), env.getMessage());
            assertThrows(IllegalArgumentException.class, () -> agent.train(VectorEnv.of(1, CartPole::new), -1, EpisodeListener.NONE));
            assertThrows(IllegalArgumentException.class, () -> agent.evaluate(FrozenLake.lake4x4(true), 1, 0));
            assertThrows(IllegalArgumentException.class, () -> agent.evaluate(new CartPole(), 0, 0));
        }
        IllegalArgumentException starts = assertThrows(IllegalArgumentException.class,
                () -> DqnAgent.builder().batchSize(128).learningStarts(64).build(4, 2));
        assertTrue(starts.getMessage().contains("learning starts (64) must be at least the batch size (128)"), starts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().bufferCapacity(64).build(4, 2));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().build(4, 1));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().build(0, 2));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().hidden());
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().hidden(8, 0));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().learningRate(0));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().gamma(1.01));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().tau(0));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().maxGradNorm(-1));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().targetUpdateInterval(0));
        assertThrows(IllegalArgumentException.class, () -> DqnAgent.builder().prioritized(0.6, 1.5, 10));
        assertThrows(NullPointerException.class, () -> DqnAgent.builder().epsilon(null));
    }
}
