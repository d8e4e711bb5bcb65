package dev.anvil.distributed;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The rendezvous store over loopback. */
class TcpStoreTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void setGetAndAdd() throws IOException {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0);
                TcpStore a = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT);
                TcpStore b = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
            a.set("addr/0", "127.0.0.1 5000");
            assertEquals("127.0.0.1 5000", b.getString("addr/0"));
            a.set("addr/0", new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, b.get("addr/0"));
            assertEquals(2, a.add("n", 2));
            assertEquals(-1, b.add("n", -3));
            b.wait("n", Duration.ZERO);
        }
    }

    @Test
    void waitBlocksUntilAnotherClientSetsTheKey() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0);
                TcpStore a = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT);
                TcpStore b = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
            Thread setter = new Thread(() -> {
                sleep(200);
                a.set("late", "here");
            });
            setter.start();
            long start = System.nanoTime();
            assertEquals("here", b.getString("late"));
            assertTrue(System.nanoTime() - start >= 150_000_000L, "get waited for the key");
            setter.join();
        }
    }

    @Test
    void aWaitTimesOutNamingTheKeyAndTheAddress() throws IOException {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0);
                TcpStore a = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
            long start = System.nanoTime();
            StoreTimeoutException e = assertThrows(StoreTimeoutException.class, () -> a.wait("never", Duration.ofMillis(300)));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 250 && millis < 5_000, "timed out after " + millis + " ms");
            assertTrue(e.getMessage().contains("'never'") && e.getMessage().contains("127.0.0.1:" + server.port()), e.getMessage());
            a.set("after", "ok"); // the connection is still usable
            assertEquals("ok", a.getString("after"));
        }
    }

    @Test
    void concurrentClientsCountEveryAdd() throws Exception {
        int clients = 8, adds = 200;
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int id = c;
                    done.add(pool.submit(() -> {
                        try (TcpStore s = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
                            for (int i = 0; i < adds; i++) s.add("count", 1);
                            s.set("client/" + id, Integer.toString(id));
                            for (int other = 0; other < clients; other++) assertEquals(Integer.toString(other), s.getString("client/" + other));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get();
            } finally {
                pool.shutdownNow();
            }
            try (TcpStore s = TcpStore.connect("127.0.0.1", server.port(), TIMEOUT)) {
                assertEquals((long) clients * adds, s.add("count", 0));
            }
        }
    }

    @Test
    void connectingToNothingGivesUpAfterTheTimeout() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> TcpStore.connect("127.0.0.1", port, Duration.ofMillis(500)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5_000, "gave up after " + millis + " ms");
        assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("attempts"), e.getMessage());
    }

    @Test
    void aPortInUseIsReported() throws IOException {
        try (TcpStoreServer first = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            IOException e = assertThrows(IOException.class, () -> TcpStoreServer.start(InetAddress.getLoopbackAddress(), first.port()));
            assertTrue(e.getMessage().contains(":" + first.port()), e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
