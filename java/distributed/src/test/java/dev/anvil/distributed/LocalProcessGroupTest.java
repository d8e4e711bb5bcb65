package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Collectives of ranks that are threads of this JVM. */
class LocalProcessGroupTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Rank r's values: r + i / 7, so that sums are not exact in float. */
    private static float[] values(int rank, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rank + i / 7f;
        return v;
    }

    private static float[] allReduced(int ranks, int n, ReduceOp op) {
        float[] sum = values(0, n);
        for (int r = 1; r < ranks; r++) {
            float[] v = values(r, n);
            for (int i = 0; i < n; i++) sum[i] += v[i];
        }
        if (op == ReduceOp.AVG) {
            for (int i = 0; i < n; i++) sum[i] /= ranks;
        }
        return sum;
    }

    @Test
    void allReduceSumsAndAveragesInRankOrderOnEveryRank() {
        int n = 40_000; // several tiles, split unevenly among 3 ranks
        for (ReduceOp op : ReduceOp.values()) {
            try (LocalWorld world = LocalProcessGroup.create(3, Duration.ofSeconds(30))) {
                List<float[]> results = world.run(g -> {
                    try (Tensor t = Tensor.of(values(g.rank(), n), n)) {
                        g.allReduce(t, op);
                        return t.toFloatArray();
                    }
                });
                float[] expected = allReduced(3, n, op);
                for (float[] r : results) assertArrayEquals(expected, r, 0f, op + ": every rank gets the rank-order result");
            }
        }
    }

    @Test
    void asyncAllReducesCompleteInCallOrder() {
        try (LocalWorld world = LocalProcessGroup.create(2, Duration.ofSeconds(30))) {
            world.run(g -> {
                try (Tensor a = Tensor.of(values(g.rank(), 10), 10); Tensor b = Tensor.of(values(g.rank(), 3), 3)) {
                    Work wa = g.allReduceAsync(a, ReduceOp.SUM);
                    Work wb = g.allReduceAsync(b, ReduceOp.AVG);
                    wb.await(Duration.ofSeconds(10));
                    assertTrue(wa.isDone(), "collectives run in call order");
                    wa.await();
                    assertArrayEquals(allReduced(2, 10, ReduceOp.SUM), a.toFloatArray(), 0f);
                    assertArrayEquals(allReduced(2, 3, ReduceOp.AVG), b.toFloatArray(), 0f);
                }
                return null;
            });
        }
    }

    @Test
    void broadcastCopiesTheRootsTensor() {
        try (LocalWorld world = LocalProcessGroup.create(3, Duration.ofSeconds(30))) {
            List<float[]> results = world.run(g -> {
                try (Tensor t = Tensor.of(values(g.rank(), 5), 5)) {
                    g.broadcast(t, 1);
                    return t.toFloatArray();
                }
            });
            for (float[] r : results) assertArrayEquals(values(1, 5), r, 0f);
        }
    }

    @Test
    void allGatherReturnsEveryRanksBytesByRank() {
        try (LocalWorld world = LocalProcessGroup.create(3, Duration.ofSeconds(30))) {
            List<byte[][]> results = world.run(g -> g.allGather(("rank " + g.rank() + "!".repeat(g.rank())).getBytes(StandardCharsets.UTF_8)));
            for (byte[][] r : results) {
                assertEquals(3, r.length);
                for (int rank = 0; rank < 3; rank++) {
                    assertEquals("rank " + rank + "!".repeat(rank), new String(r[rank], StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Test
    void barrierWaitsForEveryRank() {
        AtomicInteger arrived = new AtomicInteger();
        try (LocalWorld world = LocalProcessGroup.create(3, Duration.ofSeconds(30))) {
            List<Integer> seen = world.run(g -> {
                if (g.rank() == 2) Thread.sleep(100);
                arrived.incrementAndGet();
                g.barrier();
                return arrived.get();
            });
            assertEquals(List.of(3, 3, 3), seen);
        }
    }

    @Test
    void sizeMismatchNamesTheRanksAndSizes() {
        try (LocalWorld world = LocalProcessGroup.create(2, Duration.ofSeconds(30))) {
            List<String> messages = world.run(g -> {
                int n = g.rank() == 0 ? 4 : 6;
                try (Tensor t = Tensor.zeros(n)) {
                    return assertThrows(CollectiveException.class, () -> g.allReduce(t, ReduceOp.SUM)).getMessage();
                }
            });
            for (String m : messages) {
                assertTrue(m.contains("rank 0 allReduce(SUM) of 16 bytes, rank 1 allReduce(SUM) of 24 bytes"), m);
            }
            assertTrue(messages.get(1).startsWith("rank 1: allReduce(SUM) #0"), messages.get(1));
        }
    }

    @Test
    void invalidWorldsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LocalProcessGroup.create(0));
        assertThrows(IllegalArgumentException.class, () -> LocalProcessGroup.create(2, Duration.ZERO));
    }

    @Test
    void aRankThatNeverArrivesFailsTheOthersWithinTheTimeout() {
        Duration timeout = Duration.ofMillis(300);
        try (LocalWorld world = LocalProcessGroup.create(3, timeout)) {
            List<String> results = world.run(g -> {
                try (Tensor t = Tensor.zeros(8)) {
                    g.allReduce(t, ReduceOp.SUM); // #0 completes
                    if (g.rank() == 2) {
                        Thread.sleep(timeout.toMillis() * 3); // sleeps past the timeout, then finds the group aborted
                        return assertThrows(CollectiveException.class, () -> g.allReduce(t, ReduceOp.SUM)).getMessage();
                    }
                    long start = System.nanoTime();
                    CollectiveException e = assertThrows(CollectiveException.class, () -> g.allReduce(t, ReduceOp.SUM));
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(ms < timeout.toMillis() * 2, "rank " + g.rank() + " failed after " + ms + " ms");
                    return e.getMessage();
                }
            });
            for (int r = 0; r < 2; r++) {
                String m = results.get(r);
                assertTrue(m.startsWith("rank " + r + ": allReduce(SUM) #1 of 32 bytes"), m);
                assertTrue(m.contains("ranks [2] did not arrive"), m);
            }
            assertTrue(results.get(2).contains("aborted"), results.get(2));
        }
    }

    @Test
    void aFailedPeerFailsTheOthersAtOnce() {
        try (LocalWorld world = LocalProcessGroup.create(2, Duration.ofMinutes(5))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> world.run(g -> {
                if (g.rank() == 1) throw new IllegalStateException("rank 1 broke");
                try (Tensor t = Tensor.zeros(4)) {
                    g.allReduce(t, ReduceOp.AVG);
                }
                return null;
            }));
            assertEquals("rank 1 broke", e.getMessage(), "the first failure is reported");
            assertEquals(1, e.getSuppressed().length);
            String peer = e.getSuppressed()[0].getMessage();
            assertTrue(peer.startsWith("rank 0: allReduce(AVG) #0 of 16 bytes failed: ranks [1] did not arrive"), peer);
        }
    }
}
