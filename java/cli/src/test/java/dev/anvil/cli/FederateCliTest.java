package dev.anvil.cli;

import static dev.anvil.cli.CliTest.anvil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import dev.anvil.cli.CliTest.Result;
import dev.anvil.data.FashionMnist;
import dev.anvil.privacy.RdpAccountant;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code anvil federate}: a short simulation, and a server with two clients, in-process on a slice of Fashion-MNIST. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FederateCliTest {
    private static final String[] SMALL = {"--limit", "1200", "--test-limit", "500", "--width", "0.25", "--threads", "1"};

    @BeforeEach
    void needsData() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST is not installed in " + FashionMnist.defaultDir());
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static String[] args(String[] head, String... more) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(List.of(SMALL));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void simulationPrintsThePartitionAndALinePerRound() {
        Result r = anvil(args(new String[] {"federate", "--clients", "4", "--rounds", "3", "--partition", "dirichlet:0.3", "--strategy", "fedprox",
                "--mu", "0.01", "--secure-agg"}));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("federated fedprox(mu=0.01) of fmnist-cnn (width 0.25): 4 clients, partition dirichlet:0.3, 3 rounds"), r.out());
        assertTrue(r.out().contains("client   3:"), r.out());
        for (int i = 1; i <= 3; i++) assertTrue(r.out().contains(String.format("round %3d: 4/4 clients, train loss", i)), r.out());
        assertTrue(r.out().contains("test accuracy"), r.out());
        assertTrue(r.out().contains("best test accuracy"), r.out());
    }

    @Test
    void clientLevelDpReportsEpsilonEachRound() {
        Result r = anvil(args(new String[] {"federate", "--clients", "4", "--rounds", "2", "--partition", "iid", "--clients-per-round", "4",
                "--dp-clip", "5", "--dp-noise", "1.5", "--dp-delta", "1e-4", "--quiet-partition"}));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("client-level DP (clip 5.0, noise multiplier 1.5, delta 1.0E-4)"), r.out());
        // every client in both rounds (q = 1): the Gaussian mechanism twice
        double eps = RdpAccountant.privacySpent(RdpAccountant.DEFAULT_ORDERS,
                RdpAccountant.computeRdp(1, 1.5, 2, RdpAccountant.DEFAULT_ORDERS), 1e-4,
                RdpAccountant.Conversion.BALLE_2020).epsilon();
        assertTrue(r.out().contains("round   2: 4/4 clients, train loss"), r.out());
        assertTrue(r.out().contains(String.format(", epsilon %.3f, ", eps)), r.out());
        assertTrue(r.out().contains(String.format("client-level epsilon %.3f", eps)), r.out());
    }

    @Test
    void badOptionsFailSayingWhy() {
        Result r = anvil(args(new String[] {"federate", "--partition", "dirichlet:-1"}));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("alpha must be positive"), r.err());
        r = anvil(args(new String[] {"federate", "--strategy", "fedavg", "--mu", "0.1"}));
        assertTrue(r.err().contains("--mu applies to --strategy fedprox only"), r.err());
        r = anvil(args(new String[] {"federate", "--dp-clip", "1", "--secure-agg"}));
        assertTrue(r.err().contains("client-level DP clips each update at the coordinator, which secure aggregation hides"), r.err());
        r = anvil("federate", "client", "--id", "x", "--server", "nohostport");
        assertTrue(r.err().contains("--server must be HOST:PORT"), r.err());
    }

    @Test
    void serverAndTwoClientsOverTcp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // A thread each: the server and the clients block until the federation ends, and the common
        // pool may have a single worker (one on 2 CPUs on recent JDKs).
        ExecutorService threads = Executors.newCachedThreadPool();
        CompletableFuture<Result> server = CompletableFuture.supplyAsync(() -> anvil(args(new String[] {"federate", "server", "--port",
                Integer.toString(port), "--wait-for", "2", "--rounds", "2", "--min-clients", "2", "--join-timeout", "120"})), threads);
        List<CompletableFuture<Result>> clients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String[] head = {"federate", "client", "--server", "127.0.0.1:" + port, "--id", "party-" + i, "--index", Integer.toString(i), "--of", "2",
                "--partition", "iid"};
            clients.add(CompletableFuture.supplyAsync(() -> anvil(args(head)), threads));
        }
        threads.shutdown();
        Result s = server.get(240, TimeUnit.SECONDS);
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("clients [party-0, party-1]"), s.out());
        assertTrue(s.out().contains("round   2: 2/2 clients"), s.out());
        for (CompletableFuture<Result> c : clients) {
            Result r = c.get(60, TimeUnit.SECONDS);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("samples, per class ["), r.out());
            assertTrue(r.out().contains("federation over after 2 rounds"), r.out());
        }
    }
}
