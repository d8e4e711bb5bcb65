package dev.anvil.federated.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.federated.Coordinator;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.ModelEvaluator;
import dev.anvil.federated.ModelWeights;
import dev.anvil.federated.RoundResult;
import dev.anvil.federated.Blobs;
import dev.anvil.nn.Sequential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Client JVMs over TCP, one killed (kill -9) in the middle of a round. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FederationProcessesTest {
    private static Process client(int port, String id, int index, int clients, Path log, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-Danvil.threads=1", "-cp", System.getProperty("java.class.path")));
        String binding = System.getProperty("anvil.binding");
        if (binding != null && !binding.isEmpty()) cmd.add(2, "-Danvil.binding=" + binding);
        cmd.addAll(List.of(BlobsClientMain.class.getName(), Integer.toString(port), id, Integer.toString(index), Integer.toString(clients)));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void fourClientProcessesOneKilledMidRoundTheRoundClosesWithTheQuorum(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("victim-mid-round");
        List<Process> ps = new ArrayList<>();
        try (Sequential model = BlobsClientMain.model(); Sequential evalModel = BlobsClientMain.model();
             ModelEvaluator eval = new ModelEvaluator(evalModel, new Blobs(300, 4, 3, 8), 100);
             Coordinator co = Coordinator.builder(ModelWeights.of(model)).minClients(3).roundTimeout(Duration.ofSeconds(120))
                     .fitConfig(new FitConfig(1, 16, 0.1, 0, 0, 1)).evaluator(eval).build();
             FederationServer server = FederationServer.start(co, 0)) {
            for (int i = 0; i < 3; i++) ps.add(client(server.port(), "worker-" + i, i, 4, dir.resolve("c" + i + ".log")));
            // the victim trains round 1 (its share is read once per epoch), then hangs inside round 2
            int victimSamples = BlobsClientMain.share(3, 4).size();
            Process victim = client(server.port(), "victim", 3, 4, dir.resolve("victim.log"), Integer.toString(victimSamples + 5), marker.toString());
            ps.add(victim);
            assertTrue(server.awaitClients(4, Duration.ofSeconds(120)), "4 clients joined: " + co.clientIds());
            RoundResult r1 = co.runRound();
            assertEquals(4, r1.accepted().size(), r1.summary());
            // On a thread of its own: the common pool may have a single worker, busy elsewhere.
            ExecutorService roundThread = Executors.newSingleThreadExecutor();
            CompletableFuture<RoundResult> round2 = CompletableFuture.supplyAsync(co::runRound, roundThread);
            roundThread.shutdown();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
            while (!Files.exists(marker) && System.nanoTime() < until) Thread.sleep(50);
            assertTrue(Files.exists(marker), "the victim reached the middle of round 2");
            victim.destroyForcibly(); // SIGKILL
            RoundResult r2 = round2.get(100, TimeUnit.SECONDS);
            assertTrue(r2.aggregated(), r2.summary());
            assertEquals(List.of("worker-0", "worker-1", "worker-2"), r2.accepted());
            assertTrue(r2.failed().get("victim").contains("connection"), r2.failed().toString());
            assertEquals(0, r2.late(), "the round closed when the connection dropped, not at its deadline");
            RoundResult r3 = co.runRound();
            assertEquals(3, r3.sampled().size(), "the dead client is no longer sampled");
            assertTrue(r3.aggregated());
            assertTrue(r3.evaluation().accuracy() > 0.6, r3.summary()); // 3 classes: chance is 1/3
        } finally {
            for (Process p : ps) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, ps.get(i).exitValue(), "worker " + i + " ended on the server's goodbye: " + Files.readString(dir.resolve("c" + i + ".log")));
        }
    }
}
