package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Collectives of ranks connected by loopback sockets (each rank a thread with its own group). */
class TcpProcessGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

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

    /** The documented ring order: chunk c adds ranks c, c+1, ..., c-1 (mod N), left to right. */
    private static float[] ringReference(int ranks, int n, ReduceOp op) {
        float[] out = new float[n];
        for (int c = 0; c < ranks; c++) {
            int from = (int) ((long) n * c / ranks), to = (int) ((long) n * (c + 1) / ranks);
            float[] sum = values(c, n);
            for (int k = 1; k < ranks; k++) {
                float[] v = values((c + k) % ranks, n);
                for (int i = from; i < to; i++) sum[i] += v[i];
            }
            for (int i = from; i < to; i++) out[i] = op == ReduceOp.AVG ? sum[i] / ranks : sum[i];
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void allReduceGivesTheRingOrderResultBitIdenticallyOnEveryRank(int ranks) throws Exception {
        int n = 1_000_003; // several 1 MB blocks per chunk, split unevenly
        for (ReduceOp op : ReduceOp.values()) {
            List<float[]> results = TcpWorld.run(ranks, TIMEOUT, g -> {
                try (Tensor t = Tensor.of(values(g.rank(), n), n)) {
                    g.allReduce(t, op);
                    return t.toFloatArray();
                }
            });
            float[] expected = ringReference(ranks, n, op);
            for (float[] r : results) assertArrayEquals(expected, r, 0f, op + ": every rank gets the ring-order result");
        }
    }

    @Test
    void withTwoRanksTheRingOrderIsRankOrder() throws Exception {
        int n = 1001;
        List<float[]> results = TcpWorld.run(2, TIMEOUT, g -> {
            try (Tensor t = Tensor.of(values(g.rank(), n), n)) {
                g.allReduce(t, ReduceOp.SUM);
                return t.toFloatArray();
            }
        });
        float[] a = values(0, n), b = values(1, n);
        for (int i = 0; i < n; i++) assertEquals(a[i] + b[i], results.get(1)[i], 0f);
    }

    @Test
    void asyncAllReducesCompleteInCallOrder() throws Exception {
        List<float[]> results = TcpWorld.run(3, TIMEOUT, g -> {
            try (Tensor a = Tensor.of(values(g.rank(), 10), 10); Tensor b = Tensor.of(values(g.rank(), 5), 5)) {
                Work wa = g.allReduceAsync(a, ReduceOp.SUM), wb = g.allReduceAsync(b, ReduceOp.AVG);
                wb.await();
                assertTrue(wa.isDone(), "the earlier all-reduce finished first");
                float[] out = new float[15];
                System.arraycopy(a.toFloatArray(), 0, out, 0, 10);
                System.arraycopy(b.toFloatArray(), 0, out, 10, 5);
                return out;
            }
        });
        for (float[] r : results) assertArrayEquals(results.get(0), r, 0f);
        assertEquals(3 + 3 * 9 / 7f, results.get(0)[9], 1e-5f);
        assertEquals(1 + 4 / 7f, results.get(0)[14], 1e-5f);
    }

    @Test
    void broadcastCopiesTheRootsTensor() throws Exception {
        int n = 600_000;
        List<float[]> results = TcpWorld.run(3, TIMEOUT, g -> {
            try (Tensor t = Tensor.of(values(g.rank(), n), n)) {
                g.broadcast(t, 1);
                return t.toFloatArray();
            }
        });
        for (float[] r : results) assertArrayEquals(values(1, n), r, 0f);
    }

    @Test
    void barrierWaitsForTheLastRank() throws Exception {
        // Ranks are threads of this JVM, so their nanoTime stamps compare. The ranks arrive
        // staggered; none may leave before the last one has arrived, however the threads are
        // scheduled.
        List<long[]> stamps = TcpWorld.run(3, TIMEOUT, g -> {
            Thread.sleep(150L * g.rank());
            long arrived = System.nanoTime();
            g.barrier();
            return new long[] {arrived, System.nanoTime()};
        });
        long lastArrival = stamps.stream().mapToLong(s -> s[0]).max().orElseThrow();
        long firstLeave = stamps.stream().mapToLong(s -> s[1]).min().orElseThrow();
        assertTrue(firstLeave >= lastArrival, "a rank left " + (lastArrival - firstLeave) / 1_000 + " us before the last one arrived");
    }

    @Test
    void allGatherReturnsEveryRanksBytesByRank() throws Exception {
        List<byte[][]> results = TcpWorld.run(3, TIMEOUT, g -> g.allGather("rank-".repeat(g.rank()).getBytes(StandardCharsets.UTF_8)));
        for (byte[][] r : results) {
            assertEquals(3, r.length);
            for (int k = 0; k < 3; k++) assertEquals("rank-".repeat(k), new String(r[k], StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRankThatClosesItsGroupMakesTheOthersFailAtOnce() {
        Duration timeout = Duration.ofSeconds(20);
        long start = System.nanoTime();
        CollectiveException e = assertThrows(CollectiveException.class, () -> TcpWorld.run(3, timeout, g -> {
            if (g.rank() == 2) {
                g.close();
                return null;
            }
            try (Tensor t = Tensor.of(values(g.rank(), 100), 100)) {
                g.allReduce(t, ReduceOp.SUM);
            }
            return null;
        }));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < timeout.toMillis() / 2, "failed after " + millis + " ms, long before the timeout");
        assertTrue(e.getMessage().matches("rank [01]: allReduce\\(SUM\\) #0 of 400 bytes failed: ranks \\[\\d\\] did not arrive.*"), e.getMessage());
    }

    @Test
    void aRankThatStallsMakesTheOthersFailWithinTheTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(800);
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            ExecutorService threads = Executors.newFixedThreadPool(3);
            try {
                List<Future<String>> outcomes = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    int rank = r;
                    outcomes.add(threads.submit(() -> {
                        try (ProcessGroup g = TcpWorld.join(server.port(), rank, 3, timeout); Tensor t = Tensor.of(values(rank, 64), 64)) {
                            g.allReduce(t, ReduceOp.SUM);
                            if (rank == 1) {
                                Thread.sleep(3 * timeout.toMillis()); // stalls, then arrives too late
                            }
                            long start = System.nanoTime();
                            try {
                                g.allReduce(t, ReduceOp.SUM);
                                return "completed";
                            } catch (CollectiveException e) {
                                return (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage();
                            }
                        }
                    }));
                }
                for (int r : new int[] {0, 2}) {
                    String outcome = outcomes.get(r).get();
                    long millis = Long.parseLong(outcome.substring(0, outcome.indexOf(' ')));
                    assertTrue(millis < timeout.toMillis() + 1500, "rank " + r + " failed within the timeout: " + outcome);
                    assertTrue(outcome.contains("rank " + r + ": allReduce(SUM) #1 of 256 bytes"), outcome);
                    assertTrue(outcome.contains("did not arrive"), outcome);
                }
                assertTrue(outcomes.get(1).get().contains("#1 of 256 bytes"), "the late rank fails too: " + outcomes.get(1).get());
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void mismatchedCallsAreReported() {
        CollectiveException e = assertThrows(CollectiveException.class, () -> TcpWorld.run(2, TIMEOUT, g -> {
            try (Tensor t = Tensor.of(values(g.rank(), 10 + g.rank()), 10 + g.rank())) {
                g.allReduce(t, ReduceOp.SUM);
            }
            return null;
        }));
        assertTrue(e.getMessage().contains("do not match"), e.getMessage());
    }

    @Test
    void aDuplicateRankIsAConfigurationErrorSayingWhatToFix() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0);
                TcpStore a = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
            a.add("test/claim/0", 1); // another process already is rank 0
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TcpWorld.join(server.port(), 0, 2, TIMEOUT));
            assertTrue(e.getMessage().contains("rank 0 joined the group twice") && e.getMessage().contains("RANK"), e.getMessage());
        }
    }

    @Test
    void aWorldSizeMismatchIsAConfigurationErrorSayingWhatToFix() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<?> r0 = threads.submit(() -> {
                    TcpWorld.join(server.port(), 0, 2, Duration.ofSeconds(5)).close();
                    return null;
                });
                Future<?> r1 = threads.submit(() -> {
                    TcpWorld.join(server.port(), 1, 3, Duration.ofSeconds(5)).close();
                    return null;
                });
                for (Future<?> f : List.of(r0, r1)) {
                    ExecutionException e = assertThrows(ExecutionException.class, f::get);
                    assertTrue(e.getCause().getMessage().contains("world size mismatch") && e.getCause().getMessage().contains("WORLD_SIZE"),
                            e.getCause().getMessage());
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void aMissingRankIsNamedAfterTheRendezvousTimeout() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TcpWorld.join(server.port(), 0, 2, Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("ranks [1] of 2 did not join"), e.getMessage());
        }
    }
}
