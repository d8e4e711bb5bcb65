package dev.anvil.federated.transport;

import dev.anvil.federated.ClientProxy;
import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.Coordinator;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.MaskedUpdate;
import dev.anvil.federated.WeightLayout;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's end of a federation over TCP: it accepts clients at any time, checks that
 * each one's model has the coordinator's layout (else rejects it, saying why), registers it with
 * the {@link Coordinator} and unregisters it when its connection ends, failing whatever the round
 * was waiting for from it. A client that reconnects under the same id replaces its old
 * connection. Frames are those of {@link Frames}.
 *
 * <pre>{@code
 * try (Coordinator co = Coordinator.builder(ModelWeights.of(model)).minClients(3).build();
 *      FederationServer server = FederationServer.start(co, 7070)) {
 *     server.awaitClients(3, Duration.ofMinutes(5));
 *     co.run(30);
 * }
 * }</pre>
 */
public final class FederationServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FederationServer.class);

    private final Coordinator coordinator;
    private final WeightLayout layout;
    private final ServerSocket socket;
    private final Thread acceptor;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger staleFrames = new AtomicInteger();
    private volatile boolean closed;

    private FederationServer(Coordinator coordinator, ServerSocket socket) {
        this.coordinator = coordinator;
        this.layout = coordinator.layout();
        this.socket = socket;
        this.acceptor = new Thread(this::acceptLoop, "anvil-federation-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * Listens on {@code port} (0: any free port; see {@link #port()}) on every interface.
     *
     * @throws IOException if the port cannot be bound
     */
    public static FederationServer start(Coordinator coordinator, int port) throws IOException {
        Objects.requireNonNull(coordinator, "coordinator");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(port));
        LOG.info("federation server listening on port {}", s.getLocalPort());
        return new FederationServer(coordinator, s);
    }

    /** The port listened on. */
    public int port() {
        return socket.getLocalPort();
    }

    /** Frames answering an earlier round than the one asked (late or replayed), dropped. */
    public int staleFrames() {
        return staleFrames.get();
    }

    /**
     * Waits until at least {@code n} clients are registered.
     *
     * @return whether they are, false after {@code timeout}
     */
    public boolean awaitClients(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (coordinator.clientIds().size() < n) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                s.setTcpNoDelay(true);
                Connection c = new Connection(s);
                connections.add(c);
                Thread t = new Thread(c::serve, "anvil-federation-" + s.getRemoteSocketAddress());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) LOG.warn("accept failed: {}", e.getMessage());
            }
        }
    }

    /** Tells every connected client that the federation is over, then closes. */
    @Override
    public void close() {
        closed = true;
        for (Connection c : connections) c.bye();
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing the server socket: {}", e.getMessage());
        }
        for (Connection c : connections) c.close();
    }

    /** One client's connection, and its proxy in the coordinator. */
    private final class Connection implements ClientProxy {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;
        private volatile String id = "?";
        private volatile long samples;
        private final Object lock = new Object();
        private byte expected;
        private int expectedRound;
        private CompletableFuture<Object> pending;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        }

        void serve() {
            boolean registered = false;
            String why = "connection closed";
            try {
                Frames.Frame hello = Frames.read(in, Frames.maxPayload(layout.numel()));
                if (hello == null) return;
                if (hello.type() != Frames.HELLO) throw new IOException("expected HELLO, got frame type " + hello.type());
                id = hello.body().s();
                samples = hello.body().l();
                long signature = hello.body().l();
                int numel = hello.body().i();
                String problem = null;
                if (id.isEmpty()) problem = "empty client id";
                else if (samples <= 0) problem = "sample count must be positive, got " + samples;
                else if (signature != layout.signature() || numel != layout.numel()) {
                    problem = "incompatible model: " + numel + " values (signature " + Long.toHexString(signature) + "), the federation's model has "
                            + layout.numel() + " (signature " + Long.toHexString(layout.signature()) + ")";
                }
                if (problem != null) {
                    LOG.warn("client {} from {} rejected: {}", id, socket.getRemoteSocketAddress(), problem);
                    Frames.write(out, Frames.REJECT, new Frames.Writer().s(problem));
                    return;
                }
                Frames.write(out, Frames.WELCOME, null);
                coordinator.register(this);
                registered = true;
                while (true) {
                    Frames.Frame f = Frames.read(in, Frames.maxPayload(layout.numel()));
                    if (f == null) break;
                    answer(f);
                }
            } catch (IOException | RuntimeException e) {
                why = "connection lost: " + e.getMessage();
                if (!closed) LOG.warn("client {}: {}", id, why);
            } finally {
                if (registered) coordinator.unregister(this);
                fail(new IOException("client " + id + ": " + why));
                close();
                connections.remove(this);
            }
        }

        private void answer(Frames.Frame f) throws IOException {
            Frames.Reader r = f.body();
            int round = r.i();
            Object value;
            switch (f.type()) {
                case Frames.UPDATE -> {
                    long n = r.l();
                    double loss = r.d();
                    value = new ClientUpdate(id, round, r.floats(), n, loss);
                }
                case Frames.MASKED_UPDATE -> {
                    long n = r.l();
                    double loss = r.d();
                    value = new MaskedUpdate(id, round, r.longs(), n, loss);
                }
                case Frames.KEY -> value = r.b();
                case Frames.SEEDS -> value = r.keys();
                case Frames.FAILED -> value = new IllegalStateException(r.s());
                default -> throw new IOException("unexpected frame type " + f.type());
            }
            CompletableFuture<Object> p;
            synchronized (lock) {
                boolean fits = pending != null && (f.type() == expected || f.type() == Frames.FAILED);
                if (!fits || round < expectedRound) {
                    staleFrames.incrementAndGet();
                    LOG.info("client {}: dropped a frame of type {} for round {} (nothing of that kind asked for, or an earlier round)", id, f.type(), round);
                    return;
                }
                p = pending;
                pending = null;
            }
            if (value instanceof IllegalStateException e) p.completeExceptionally(e);
            else p.complete(value);
        }

        @SuppressWarnings("unchecked")
        private <T> CompletableFuture<T> ask(byte request, byte response, int round, Frames.Writer body) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            synchronized (lock) {
                if (pending != null) pending.completeExceptionally(new IllegalStateException("superseded by a new request"));
                pending = f;
                expected = response;
                expectedRound = round;
            }
            try {
                Frames.write(out, request, body);
            } catch (IOException e) {
                f.completeExceptionally(new IOException("client " + id + ": sending failed: " + e.getMessage(), e));
            }
            return (CompletableFuture<T>) f;
        }

        private void fail(Throwable t) {
            CompletableFuture<Object> p;
            synchronized (lock) {
                p = pending;
                pending = null;
            }
            if (p != null) p.completeExceptionally(t);
        }

        void bye() {
            try {
                Frames.write(out, Frames.BYE, null);
            } catch (IOException e) {
                LOG.debug("client {}: BYE not sent: {}", id, e.getMessage());
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("client {}: close: {}", id, e.getMessage());
            }
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public long numSamples() {
            return samples;
        }

        @Override
        public CompletableFuture<ClientUpdate> fit(int round, float[] global, FitConfig config) {
            try {
                return ask(Frames.FIT, Frames.UPDATE, round, new Frames.Writer().i(round).config(config).floats(global));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<byte[]> publicKey(int round) {
            try {
                return ask(Frames.KEY_REQUEST, Frames.KEY, round, new Frames.Writer().i(round));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<MaskedUpdate> fitMasked(int round, float[] global, FitConfig config, Map<String, byte[]> peers) {
            try {
                return ask(Frames.FIT_MASKED, Frames.MASKED_UPDATE, round, new Frames.Writer().i(round).config(config).floats(global).keys(peers));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Map<String, byte[]>> revealSeeds(int round, Set<String> dropped) {
            try {
                Frames.Writer w = new Frames.Writer().i(round).i(dropped.size());
                for (String d : new HashSet<>(dropped)) w.s(d);
                return ask(Frames.REVEAL, Frames.SEEDS, round, w);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public String toString() {
            return "client " + id + " at " + socket.getRemoteSocketAddress();
        }
    }
}
