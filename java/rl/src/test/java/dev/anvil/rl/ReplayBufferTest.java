package dev.anvil.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayBufferTest {
    @TempDir
    Path dir;

    /** Transition i: observation (i, -i), action i % 3, reward 10 i, next observation (i + 1, -i - 1), terminal when i % 4 == 3. */
    private static void addTransition(ReplayBuffer b, int i) {
        b.add(new float[] {i, -i}, i % 3, 10 * i, new float[] {i + 1, -i - 1}, i % 4 == 3);
    }

    /** Checks that every row of the batch is one stored transition, whole; returns the transitions seen. */
    private static Set<Integer> checkRows(ReplayBatch batch) {
        Set<Integer> seen = new HashSet<>();
        float[] obs = batch.observations().toFloatArray(), next = batch.nextObservations().toFloatArray();
        for (int r = 0; r < batch.size(); r++) {
            int i = (int) obs[2 * r];
            assertEquals(-i, obs[2 * r + 1]);
            assertEquals(i + 1, next[2 * r]);
            assertEquals(-i - 1, next[2 * r + 1]);
            assertEquals(i % 3, batch.action(r));
            assertEquals(10f * i, batch.reward(r));
            assertEquals(i % 4 == 3 ? 1f : 0f, batch.terminated(r));
            seen.add(i);
        }
        return seen;
    }

    @Test
    void samplesWholeTransitionsUniformly() {
        try (ReplayBuffer b = ReplayBuffer.uniform(10, 2); ReplayBatch batch = new ReplayBatch(5, 2)) {
            for (int i = 0; i < 5; i++) addTransition(b, i);
            assertEquals(5, b.size());
            int[] counts = new int[5];
            Rng rng = new Rng(1);
            for (int k = 0; k < 4000; k++) {
                b.sample(rng, batch, 0);
                for (int i : checkRows(batch)) counts[i]++;
                for (int r = 0; r < 5; r++) assertEquals(1f, batch.weight(r));
            }
            // Each transition appears in a batch of 5 drawn with replacement with probability 1 - 0.8^5.
            for (int c : counts) assertEquals(1 - Math.pow(0.8, 5), c / 4000.0, 0.03, java.util.Arrays.toString(counts));
        }
    }

    @Test
    void aFullBufferReplacesItsOldestTransitions() {
        try (ReplayBuffer b = ReplayBuffer.uniform(3, 2); ReplayBatch batch = new ReplayBatch(3, 2)) {
            for (int i = 0; i < 5; i++) addTransition(b, i);
            assertEquals(3, b.size());
            assertEquals(5, b.added());
            Set<Integer> seen = new HashSet<>();
            Rng rng = new Rng(2);
            for (int k = 0; k < 20; k++) {
                b.sample(rng, batch, 0);
                seen.addAll(checkRows(batch));
            }
            assertEquals(Set.of(2, 3, 4), seen);
        }
    }

    @Test
    void prioritiesSetTheSamplingOddsAndTheWeightsCorrectForThem() {
        // Schaul et al. 2016: P(i) = p_i^alpha / sum p^alpha, w_i = (N P(i))^-beta / max_j w_j.
        try (ReplayBuffer b = ReplayBuffer.prioritized(4, 2, 1.0); ReplayBatch batch = new ReplayBatch(2, 2)) {
            addTransition(b, 0);
            addTransition(b, 1);
            b.sample(new Rng(3), batch, 1.0);
            float[] td = new float[2];
            for (int r = 0; r < 2; r++) td[r] = batch.index(r) == 0 ? 1f : 3f;
            b.updatePriorities(batch, td, 0);
            // Stratified draws: one from each half of the total priority 4, so transition 0
            // (priority 1) comes up a quarter of the time.
            int zeros = 0, n = 20_000;
            Rng rng = new Rng(4);
            for (int k = 0; k < n / 2; k++) {
                b.sample(rng, batch, 1.0);
                for (int r = 0; r < 2; r++) {
                    if (batch.index(r) == 0) {
                        zeros++;
                        assertEquals(1f, batch.weight(r), 1e-6f);
                    } else {
                        assertEquals(1f / 3, batch.weight(r), 1e-6f, "(2 * 3/4)^-1 / (2 * 1/4)^-1");
                    }
                }
            }
            assertEquals(0.25, zeros / (double) n, 0.01);
            checkRows(batch);
        }
    }

    @Test
    void newTransitionsGetTheLargestPrioritySoFar() {
        try (ReplayBuffer b = ReplayBuffer.prioritized(4, 2, 1.0); ReplayBatch batch = new ReplayBatch(1, 2)) {
            addTransition(b, 0);
            b.sample(new Rng(0), batch, 0.5);
            b.updatePriorities(batch, new float[] {5}, 0);
            addTransition(b, 1);
            int ones = 0;
            Rng rng = new Rng(5);
            for (int k = 0; k < 10_000; k++) {
                b.sample(rng, batch, 0.5);
                ones += batch.index(0);
            }
            assertEquals(0.5, ones / 10_000.0, 0.02, "both at priority 5");
        }
    }

    @Test
    void savedContentsComeBackAndDamagedFilesAreRejected() throws IOException {
        Path file = dir.resolve("replay.bin");
        try (ReplayBuffer b = ReplayBuffer.prioritized(8, 2, 0.6); ReplayBuffer copy = ReplayBuffer.prioritized(8, 2, 0.6);
             ReplayBatch x = new ReplayBatch(6, 2); ReplayBatch y = new ReplayBatch(6, 2)) {
            for (int i = 0; i < 11; i++) addTransition(b, i);
            b.save(file);
            copy.load(file);
            assertEquals(b.size(), copy.size());
            assertEquals(b.added(), copy.added());
            b.sample(new Rng(9), x, 0.4);
            copy.sample(new Rng(9), y, 0.4);
            assertArrayEquals(x.observations().toFloatArray(), y.observations().toFloatArray());
            assertArrayEquals(x.weights, y.weights);
            addTransition(b, 11);
            addTransition(copy, 11);
            b.sample(new Rng(10), x, 0.4);
            copy.sample(new Rng(10), y, 0.4);
            assertArrayEquals(x.indices, y.indices, "the write position came back too");

            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 1;
            Path damaged = dir.resolve("damaged.bin");
            Files.write(damaged, bytes);
            IOException e = assertThrows(IOException.class, () -> copy.load(damaged));
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
            Path truncated = dir.resolve("truncated.bin");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, 40));
            assertTrue(assertThrows(IOException.class, () -> copy.load(truncated)).getMessage().contains("truncated"));
            assertEquals(8, copy.size(), "failed loads change nothing");
            assertEquals(12, copy.added());
        }
        try (ReplayBuffer other = ReplayBuffer.uniform(8, 2)) {
            IOException e = assertThrows(IOException.class, () -> other.load(file));
            assertTrue(e.getMessage().contains("prioritized") && e.getMessage().contains("uniform"), e.getMessage());
        }
    }

    @Test
    void badUseGivesClearErrors() {
        try (ReplayBuffer b = ReplayBuffer.uniform(10, 2); ReplayBatch batch = new ReplayBatch(4, 2)) {
            for (int i = 0; i < 3; i++) addTransition(b, i);
            IllegalStateException early = assertThrows(IllegalStateException.class, () -> b.sample(new Rng(0), batch, 0));
            assertTrue(early.getMessage().contains("cannot sample a batch of 4 from 3 transitions"), early.getMessage());
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> b.add(new float[] {0, Float.NaN}, 0, 0, new float[] {0, 0}, false));
            assertEquals("ReplayBuffer: observation of transition 4 is not finite (NaN at index 1)", nan.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.add(new float[] {0, 0}, 0, 0, new float[] {0, Float.POSITIVE_INFINITY}, false));
            assertThrows(IllegalArgumentException.class, () -> b.add(new float[] {0, 0}, 0, Double.NaN, new float[] {0, 0}, false));
            assertThrows(IllegalArgumentException.class, () -> b.add(new float[] {0}, 0, 0, new float[] {0, 0}, false), "short row");
            assertThrows(IllegalArgumentException.class, () -> b.add(new float[] {0, 0}, -1, 0, new float[] {0, 0}, false));
            assertThrows(IllegalStateException.class, () -> b.updatePriorities(batch, new float[4], 0), "uniform buffer");
            assertEquals(3, b.size(), "rejected transitions are not stored");
            try (ReplayBatch wide = new ReplayBatch(2, 3)) {
                assertThrows(IllegalArgumentException.class, () -> b.sample(new Rng(0), wide, 0));
            }
        }
        ReplayBuffer closed = ReplayBuffer.uniform(2, 1);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.add(new float[] {0}, 0, 0, new float[] {0}, false));
        assertThrows(IllegalArgumentException.class, () -> ReplayBuffer.uniform(0, 2));
        assertThrows(IllegalArgumentException.class, () -> ReplayBuffer.prioritized(4, 2, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new ReplayBatch(0, 2));
    }
}
