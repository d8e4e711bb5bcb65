package dev.anvil.distributed;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Test helper: ranks of a {@link TcpProcessGroup} as threads of this JVM, each with its own store connection and sockets. */
final class TcpWorld {
    private TcpWorld() {}

    /** Runs {@code task} on one thread per rank and returns the results by rank; a rank that throws closes its group. */
    static <T> List<T> run(int size, Duration timeout, LocalWorld.RankTask<T> task) throws Exception {
        try (TcpStoreServer server = TcpStoreServer.start(InetAddress.getLoopbackAddress(), 0)) {
            ExecutorService threads = Executors.newFixedThreadPool(size);
            try {
                List<Future<T>> futures = new ArrayList<>();
                for (int r = 0; r < size; r++) {
                    int rank = r;
                    futures.add(threads.submit(() -> {
                        try (ProcessGroup g = join(server.port(), rank, size, timeout)) {
                            return task.run(g);
                        }
                    }));
                }
                List<T> out = new ArrayList<>();
                Exception first = null;
                for (Future<T> f : futures) {
                    try {
                        out.add(f.get());
                    } catch (ExecutionException e) {
                        if (first == null) first = (Exception) e.getCause();
                        out.add(null);
                    }
                }
                if (first != null) throw first;
                return out;
            } finally {
                threads.shutdownNow();
            }
        }
    }

    static TcpProcessGroup join(int port, int rank, int size, Duration timeout) throws IOException {
        TcpStore store = TcpStore.connect("127.0.0.1", port, timeout);
        return TcpProcessGroup.join(store, "test", rank, size, timeout, store);
    }
}
