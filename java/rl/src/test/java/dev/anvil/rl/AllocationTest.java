package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Linear;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Adam;
import dev.anvil.rl.env.CartPole;
import dev.anvil.rl.env.FrozenLake;
import dev.anvil.rl.env.VectorEnv;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * "No allocation per step", checked with the JVM's per-thread allocation counter after warm-up
 * (so that the JIT compiler has done its work): the pieces of this module allocate nothing, and
 * neither does a whole DQN training step (nor core's calls in it alone).
 */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Bytes allocated per call of {@code r} on this thread after {@code warmup} calls: the least of
     * three windows of {@code calls} calls, since an allocation per call shows in every window while
     * the JIT compiler's one-off work as it settles (on a loaded machine, late) shows in one.
     */
    private static double bytesPerCall(Runnable r, int warmup, int calls) {
        for (int i = 0; i < warmup; i++) r.run();
        long id = Thread.currentThread().getId();
        double least = Double.MAX_VALUE;
        for (int window = 0; window < 3; window++) {
            long before = THREADS.getThreadAllocatedBytes(id);
            for (int i = 0; i < calls; i++) r.run();
            least = Math.min(least, (THREADS.getThreadAllocatedBytes(id) - before) / (double) calls);
        }
        return least;
    }

    /**
     * Less than a byte per call over thousands of calls: no allocation per call (the smallest
     * object is 16 bytes), while a one-off allocation as the JIT compiler settles is tolerated.
     */
    private static void assertNothingPerCall(double bytesPerCall, String what) {
        assertTrue(bytesPerCall < 1, what + " allocates " + bytesPerCall + " bytes per call");
    }

    @Test
    void environmentsBuffersAndLossesAllocateNothing() {
        VectorEnv cartPoles = VectorEnv.of(2, CartPole::new);
        cartPoles.reset(0);
        int[] actions = {0, 1};
        assertNothingPerCall(bytesPerCall(() -> cartPoles.step(actions), 50_000, 20_000), "VectorEnv(CartPole).step");
        FrozenLake lake = FrozenLake.lake8x8(true);
        lake.reset(0);
        assertNothingPerCall(bytesPerCall(() -> {
            if (lake.step(1).done()) lake.reset();
        }, 50_000, 20_000), "FrozenLake.step");
        try (ReplayBuffer buffer = ReplayBuffer.prioritized(1000, 4, 0.6); ReplayBatch batch = new ReplayBatch(128, 4);
             Tensor q = Tensor.zeros(128, 2); Tensor dq = Tensor.emptyUnscoped(DType.FLOAT32, 128, 2)) {
            float[] obs = {0.1f, 0.2f, 0.3f, 0.4f}, y = new float[128], td = new float[128];
            int[] next = new int[128];
            Rng rng = new Rng(0);
            assertNothingPerCall(bytesPerCall(() -> buffer.add(obs, 1, 1.0, obs, false), 20_000, 10_000), "ReplayBuffer.add");
            assertNothingPerCall(bytesPerCall(() -> buffer.sample(rng, batch, 0.5), 5_000, 2_000), "ReplayBuffer.sample");
            assertNothingPerCall(bytesPerCall(() -> buffer.updatePriorities(batch, td, 1e-6), 5_000, 2_000), "updatePriorities");
            java.nio.FloatBuffer qv = q.floatBuffer(), dqv = dq.floatBuffer();
            assertNothingPerCall(bytesPerCall(() -> {
                TdLoss.argmaxRows(qv, 128, 2, next);
                TdLoss.targets(0.99, batch, 2, qv, next, y);
                TdLoss.lossAndGradient(TdLoss.Kind.HUBER, batch, 2, qv, y, dqv, td);
            }, 5_000, 2_000), "TdLoss");
        }
        try (Sequential a = mlp(120); Sequential b = mlp(120)) {
            a.parameters().forEach(p -> p.grad().zero());
            ParameterViews va = new ParameterViews(a.parameters()), vb = new ParameterViews(b.parameters());
            assertNothingPerCall(bytesPerCall(() -> {
                va.clipGradNorm(10);
                vb.polyakFrom(va, 0.005);
            }, 5_000, 2_000), "clipping and Polyak averaging");
        }
        TabularAgent agent = TabularAgent.qLearning().seed(1).build(FrozenLake.lake8x8(true));
        assertNothingPerCall(bytesPerCall(() -> agent.train(100, EpisodeListener.NONE), 2_000, 1_000) / 100, "Q-learning step");
    }

    @Test
    void aDqnTrainingStepAllocatesNothing() {
        // Greedy acting (epsilon 0) so that every step makes the same calls: one batch-1 forward pass
        // of the acting network, then an update: target forward, online forward at s' (Double DQN)
        // and at s, backward, Adam.
        double agentBytes;
        // A small network keeps the test short: what core allocates depends on the number of layers, not their width.
        try (DqnAgent agent = DqnAgent.builder().hidden(16, 16).batchSize(16).epsilon(EpsilonSchedule.constant(0)).learningStarts(100)
                .bufferCapacity(2000).seed(3).build(4, 2)) {
            VectorEnv env = VectorEnv.of(1, CartPole::new);
            agentBytes = bytesPerCall(() -> agent.train(env, 1, EpisodeListener.NONE), 20_000, 10_000);
        }
        double coreBytes;
        try (Sequential actor = mlp(16); Sequential target = mlp(16); Sequential online = mlp(16); Adam adam = Adam.builder().build(online.parameters());
             Tensor one = Tensor.zeros(1, 4); Tensor obs = Tensor.zeros(16, 4); Tensor next = Tensor.zeros(16, 4); Tensor dq = Tensor.zeros(16, 2)) {
            actor.eval();
            target.eval();
            coreBytes = bytesPerCall(() -> {
                actor.forward(one);
                target.forward(next);
                online.forward(next);
                online.forward(obs);
                adam.zeroGrad();
                online.backward(dq, false);
                adam.step();
            }, 20_000, 10_000);
        }
        // Core's layers and optimizer allocate nothing per call (anvil-core's AllocationTest), and the agent adds nothing.
        System.out.printf("bytes allocated per DQN training step: %.1f; by core's calls alone: %.1f%n", agentBytes, coreBytes);
        assertNothingPerCall(coreBytes, "core's forward, backward and Adam calls of a DQN step");
        assertNothingPerCall(agentBytes, "a DQN training step");
    }

    private static Sequential mlp(int width) {
        return new Sequential(new Linear(4, width), new ReLU(), new Linear(width, width), new ReLU(), new Linear(width, 2));
    }
}
