package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rank and master from each launcher's variables, and the backend registry. */
class DistributedEnvironmentTest {
    @Test
    void nothingSetIsOneProcess() {
        DistributedEnvironment env = DistributedEnvironment.detect(Map.of());
        assertEquals(new DistributedEnvironment(0, 1, 0, "127.0.0.1", 29500, false, "single process"), env);
        assertFalse(env.isDistributed());
    }

    @Test
    void commonVariables() {
        DistributedEnvironment env = DistributedEnvironment.detect(Map.of("RANK", "3", "WORLD_SIZE", "4", "LOCAL_RANK", "1",
                "MASTER_ADDR", "10.0.0.5", "MASTER_PORT", "1234", "ANVIL_STORE_HOSTED", "1"));
        assertEquals(new DistributedEnvironment(3, 4, 1, "10.0.0.5", 1234, true, "RANK/WORLD_SIZE"), env);
        assertTrue(env.isDistributed());
    }

    @Test
    void openMpiComesFirst() {
        DistributedEnvironment env = DistributedEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2",
                "OMPI_COMM_WORLD_LOCAL_RANK", "1", "RANK", "0", "WORLD_SIZE", "9", "MASTER_ADDR", "node0"));
        assertEquals(new DistributedEnvironment(1, 2, 1, "node0", 29500, false, "Open MPI (mpirun)"), env);
    }

    @Test
    void slurmTakesTheLaunchNodeAsMasterUnlessMasterAddrIsSet() {
        Map<String, String> slurm = Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_LOCALID", "1",
                "SLURM_LAUNCH_NODE_IPADDR", "10.1.2.3");
        assertEquals(new DistributedEnvironment(5, 8, 1, "10.1.2.3", 29500, false, "Slurm (srun)"), DistributedEnvironment.detect(slurm));
        Map<String, String> withMaster = new java.util.HashMap<>(slurm);
        withMaster.put("MASTER_ADDR", "10.9.9.9");
        withMaster.put("MASTER_PORT", "40000");
        DistributedEnvironment env = DistributedEnvironment.detect(withMaster);
        assertEquals("10.9.9.9", env.masterAddress());
        assertEquals(40000, env.masterPort());
    }

    @Test
    void partialOrInconsistentSettingsSayWhatToFix() {
        assertMessage(Map.of("RANK", "0"), "WORLD_SIZE is not set");
        assertMessage(Map.of("WORLD_SIZE", "2"), "RANK is not set");
        assertMessage(Map.of("OMPI_COMM_WORLD_RANK", "0"), "OMPI_COMM_WORLD_SIZE is not set");
        assertMessage(Map.of("RANK", "2", "WORLD_SIZE", "2"), "the rank must be in 0..1");
        assertMessage(Map.of("RANK", "x", "WORLD_SIZE", "2"), "RANK must be a whole number, got 'x'");
        assertMessage(Map.of("RANK", "0", "WORLD_SIZE", "0"), "world size must be at least 1");
        assertMessage(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "70000"), "master port must be in 1..65535");
        assertMessage(Map.of("RANK", "1", "WORLD_SIZE", "2", "LOCAL_RANK", "2"), "local rank must be in 0..1");
    }

    private static void assertMessage(Map<String, String> env, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedEnvironment.detect(env));
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' missing from: " + e.getMessage());
    }

    @Test
    void anUnknownBackendListsTheAvailableOnes() {
        assertTrue(ProcessGroups.available().containsAll(List.of("local", "tcp")), ProcessGroups.available().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroups.create("gloo", DistributedEnvironment.single(), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("unknown backend 'gloo'") && e.getMessage().contains("local")
                && e.getMessage().contains("tcp"), e.getMessage());
    }

    @Test
    void mpiIsListedAsUsableOrWithTheReasonItIsNot() {
        if (MpiProcessGroup.isAvailable()) {
            assertTrue(ProcessGroups.available().contains("mpi"), ProcessGroups.available().toString());
        } else {
            assertTrue(ProcessGroups.describe().contains("mpi (not available: "), ProcessGroups.describe());
        }
    }

    @Test
    void factoriesBuildGroupsFromTheEnvironment() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        DistributedEnvironment env = new DistributedEnvironment(0, 2, 0, "127.0.0.1", port, false, "test");
        for (String backend : List.of("local", "tcp")) {
            Thread[] threads = new Thread[2];
            int[] worlds = new int[2];
            Throwable[] failures = new Throwable[2];
            for (int r = 0; r < 2; r++) {
                int rank = r;
                threads[r] = new Thread(() -> {
                    try (ProcessGroup g = ProcessGroups.create(backend, env.withRank(rank), Duration.ofSeconds(10))) {
                        g.barrier();
                        worlds[rank] = g.worldSize() * 10 + g.rank();
                    } catch (Throwable t) {
                        failures[rank] = t;
                    }
                });
                threads[r].start();
            }
            for (Thread t : threads) t.join();
            for (Throwable t : failures) assertNull(t, backend + ": " + t);
            assertArrayEquals(new int[] {20, 21}, worlds, backend);
        }
    }
}
