package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The nccl backend. Without a GPU or without libnccl.so.2 it must be reported unavailable with
 * the reason (and its GPU tests are skipped, saying why); with them, a 1-rank group runs every
 * collective and the DDP path end to end, and configuration errors fail before NCCL is reached.
 */
class NcclProcessGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static void needsNccl() {
        String why = NcclProcessGroup.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "nccl backend not available: " + why);
    }

    private static DistributedEnvironment single() throws IOException {
        return new DistributedEnvironment(0, 1, 0, "127.0.0.1", freePort(), false, "test");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The device pointers and the stream handed to NCCL carry the address they were made from. */
    @Test
    void pointersCarryTheirAddress() {
        dev.anvil.Anvil.version(); // loads the JNI library that holds JavaCPP's Pointer natives
        assertEquals(0x7f00_1234_5678L, NcclProcessGroup.at(0x7f00_1234_5678L).address());
    }

    @Test
    void unavailableBackendSaysWhy() throws IOException {
        String why = NcclProcessGroup.unavailableReason();
        Assumptions.assumeTrue(why != null, "NCCL is usable here: the tests below cover it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroups.create("nccl", single(), TIMEOUT));
        assertTrue(e.getMessage().contains("backend 'nccl' is not available") && e.getMessage().contains(why), e.getMessage());
        assertTrue(ProcessGroups.describe().contains("nccl (not available"), ProcessGroups.describe());
    }

    @Test
    void oneRankRunsEveryCollective() throws IOException {
        needsNccl();
        Device gpu = Device.cuda(0);
        try (ProcessGroup g = ProcessGroups.create("nccl", single(), TIMEOUT); Scope s = Scope.open()) {
            assertEquals(0, g.rank());
            assertEquals(1, g.worldSize());
            float[] data = {1.5f, -2f, 3f};
            Tensor t = Tensor.of(gpu, data, 3);
            g.allReduce(t, ReduceOp.SUM);
            assertArrayEquals(data, t.toFloatArray());
            g.allReduceAsync(t, ReduceOp.AVG).await();
            assertArrayEquals(data, t.toFloatArray());
            g.broadcast(t, 0);
            assertArrayEquals(data, t.toFloatArray());
            g.barrier();
            assertArrayEquals(new byte[] {4, 2}, g.allGather(new byte[] {4, 2})[0]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.allReduce(Tensor.zeros(3), ReduceOp.SUM));
            assertTrue(e.getMessage().contains("tensors on cuda:0") && e.getMessage().contains("got one on cpu"), e.getMessage());
        }
    }

    @Test
    void oneRankDdpOnTheGpuTrainsLikeOneProcess() throws IOException {
        needsNccl();
        List<float[]> expected = DistributedDataParallelTest.reference(
                DistributedDataParallelTest.samplerBuilder(0, 1, ShardingStrategy.strided()), new DistributedDataParallelTest.Bands(
                        DistributedDataParallelTest.SIZE));
        List<float[]> actual;
        try (ProcessGroup g = ProcessGroups.create("nccl", single(), TIMEOUT)) {
            actual = DistributedDataParallelTest.train(g, ShardingStrategy.strided(), 64, Device.cuda(0));
        }
        // GPU kernels sum in other orders than the CPU reference: rounding, not 1e-5.
        DistributedDataParallelTest.assertClose(expected, actual, 1e-4);
        assertEquals(0, Tensor.liveBytes(Device.cuda(0)));
    }

    /**
     * Two ranks on one GPU (threads of this JVM, both local rank 0) fail in the rendezvous, saying
     * so. The store is hosted apart from the ranks (as anvil launch does), so that the first rank
     * to fail cannot take it away from the other.
     */
    @Test
    void twoRanksOnOneGpuAreRefused() throws Exception {
        needsNccl();
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TcpStoreServer store = TcpStoreServer.start(InetAddress.getLoopbackAddress(), port)) {
            List<Future<ProcessGroup>> ranks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                DistributedEnvironment env = new DistributedEnvironment(r, 2, 0, "127.0.0.1", port, true, "test");
                ranks.add(pool.submit(() -> ProcessGroups.create("nccl", env, TIMEOUT)));
            }
            for (Future<ProcessGroup> f : ranks) {
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertTrue(e.getCause().getMessage().contains("both use cuda:0"), e.getCause().getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMissingRankFailsWithinTheTimeout() throws IOException {
        needsNccl();
        DistributedEnvironment env = new DistributedEnvironment(0, 2, 0, "127.0.0.1", freePort(), false, "test");
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProcessGroups.create("nccl", env, Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("rank 1 of 2 did not join"), e.getMessage());
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "failed within the timeout");
    }
}
