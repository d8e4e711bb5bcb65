package dev.anvil.federated.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.data.Dataset;
import dev.anvil.federated.Coordinator;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.ModelClient;
import dev.anvil.federated.ModelWeights;
import dev.anvil.federated.RoundResult;
import dev.anvil.federated.Simulation;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.federated.ClientDataset;
import dev.anvil.federated.Blobs;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Server and clients in one JVM over loopback TCP (client threads). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FederationTcpTest {
    /**
     * A thread per client: clients block for the whole federation, and the common pool may have a
     * single worker (one on 2 CPUs on recent JDKs), which would run them one after another.
     */
    private static final ExecutorService CLIENT_THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-client");
        t.setDaemon(true);
        return t;
    });

    private static final FitConfig CFG = new FitConfig(1, 16, 0.1, 0, 0, 1);

    private static List<CompletableFuture<Void>> startClients(int port, int n, List<Sequential> models) {
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sequential m = BlobsClientMain.model();
            models.add(m);
            Dataset data = BlobsClientMain.share(i, n);
            String id = "c" + i;
            out.add(CompletableFuture.runAsync(() -> {
                try {
                    new FederationClient("127.0.0.1", port, id, new ModelClient(m, data), Duration.ofSeconds(20)).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, CLIENT_THREADS));
        }
        return out;
    }

    /** The same rounds over TCP as in a simulation give the same weights; with and without secure aggregation. */
    @Test
    void tcpRoundsEqualTheSimulationAlsoWithSecureAggregation() throws Exception {
        for (boolean secure : new boolean[] {false, true}) {
            List<Sequential> models = new ArrayList<>();
            float[] overTcp;
            try (Sequential init = BlobsClientMain.model();
                 Coordinator co = Coordinator.builder(ModelWeights.of(init)).fitConfig(CFG).secureAggregation(secure).build();
                 FederationServer server = FederationServer.start(co, 0)) {
                List<CompletableFuture<Void>> clients = startClients(server.port(), 3, models);
                assertTrue(server.awaitClients(3, Duration.ofSeconds(30)));
                for (RoundResult r : co.run(2)) assertEquals(3, r.accepted().size(), r.summary());
                overTcp = co.globalWeights().values();
                server.close();
                for (CompletableFuture<Void> c : clients) c.get(30, TimeUnit.SECONDS); // clients end on the goodbye
            } finally {
                models.forEach(Sequential::close);
            }
            Blobs all = new Blobs(800, 4, 3, 8);
            Partition p = Partitioner.dirichlet(1.0).split(ClientDataset.labels(all), 3, 3, 4);
            try (Sequential m = BlobsClientMain.model(); Simulation sim = Simulation.builder(m, all, p).fitConfig(CFG).build()) {
                sim.run(2);
                assertArrayEquals(sim.coordinator().globalWeights().values(), overTcp, 1e-5f, "secure " + secure);
            }
        }
    }

    @Test
    void clientThatLosesTheServerReconnectsAndRejoinsUnderItsId() throws Exception {
        List<Sequential> models = new ArrayList<>();
        try (Sequential init = BlobsClientMain.model();
             Coordinator co = Coordinator.builder(ModelWeights.of(init)).fitConfig(CFG).roundTimeout(Duration.ofSeconds(60)).build();
             FederationServer server = FederationServer.start(co, 0);
             Relay relay = new Relay(server.port())) {
            Sequential m = BlobsClientMain.model();
            models.add(m);
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                try {
                    new FederationClient("127.0.0.1", relay.port(), "roamer", new ModelClient(m, BlobsClientMain.share(0, 2)), Duration.ofSeconds(20)).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, CLIENT_THREADS);
            assertTrue(server.awaitClients(1, Duration.ofSeconds(30)));
            assertEquals(List.of("roamer"), co.runRound().accepted());
            relay.cut(); // the network fails between rounds
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            RoundResult r = null;
            while (System.nanoTime() < until) { // the server notices, the client reconnects through the relay
                r = co.runRound();
                if (r.accepted().equals(List.of("roamer"))) break;
                Thread.sleep(100);
            }
            assertEquals(List.of("roamer"), r.accepted(), r.summary());
            server.close();
            client.get(30, TimeUnit.SECONDS);
        } finally {
            models.forEach(Sequential::close);
        }
    }

    @Test
    void incompatibleModelAndForeignPeersAreTurnedAway() throws Exception {
        try (Sequential init = BlobsClientMain.model();
             Coordinator co = Coordinator.builder(ModelWeights.of(init)).build();
             FederationServer server = FederationServer.start(co, 0);
             Sequential other = new Sequential().add("fc", new Linear(4, 3))) {
            FederationClient wrong = new FederationClient("127.0.0.1", server.port(), "odd", new ModelClient(other, BlobsClientMain.share(0, 2)), Duration.ZERO);
            FederationClient.RejectedException e = assertThrows(FederationClient.RejectedException.class, wrong::run);
            assertTrue(e.getMessage().contains("incompatible model"), e.getMessage());
            // a peer speaking another protocol is cut off
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(0x47455420); // "GET "
                out.writeInt(0);
                out.flush();
                s.setSoTimeout(10_000);
                assertEquals(-1, new DataInputStream(s.getInputStream()).read(), "connection closed");
            }
            // a frame far larger than the model needs is refused before it is read
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(Frames.MAGIC);
                out.writeByte(Frames.VERSION);
                out.writeByte(Frames.HELLO);
                out.writeInt(1 << 29);
                out.flush();
                s.setSoTimeout(10_000);
                assertEquals(-1, new DataInputStream(s.getInputStream()).read(), "connection closed");
            }
            assertEquals(List.of(), co.clientIds());
        }
        assertThrows(IllegalArgumentException.class, () -> new FederationClient("h", 0, "x", null, Duration.ZERO));
    }
}
