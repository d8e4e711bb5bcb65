package dev.anvil.federated.transport;

import dev.anvil.federated.ClientUpdate;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.ModelClient;
import dev.anvil.federated.secure.SecureAggregationClient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client process's end of a federation over TCP: it connects to a {@link FederationServer},
 * introduces itself (id, sample count, model layout), and then trains when asked, sending back
 * weights (or, under secure aggregation, masked weights) until the server says the federation is
 * over. Its data never leaves it. If the connection is lost it reconnects, for up to
 * {@code reconnectTimeout}, and rejoins under the same id.
 */
public final class FederationClient {
    private static final Logger LOG = LoggerFactory.getLogger(FederationClient.class);

    private final String host;
    private final int port;
    private final String id;
    private final ModelClient trainer;
    private final SecureAggregationClient secure;
    private final Duration reconnectTimeout;
    private int rounds;

    /**
     * @param reconnectTimeout how long to keep trying to (re)connect; zero tries once
     */
    public FederationClient(String host, int port, String id, ModelClient trainer, Duration reconnectTimeout) {
        this.host = Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("port must be in [1, 65535], got " + port);
        this.port = port;
        this.id = Objects.requireNonNull(id, "id");
        if (id.isEmpty()) throw new IllegalArgumentException("client id must not be empty");
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.reconnectTimeout = Objects.requireNonNull(reconnectTimeout, "reconnectTimeout");
        this.secure = new SecureAggregationClient(id);
    }

    /** Rounds this client has trained in. */
    public int rounds() {
        return rounds;
    }

    /**
     * Takes part until the server ends the federation.
     *
     * @throws RejectedException if the server refuses this client (incompatible model, ...)
     * @throws IOException if the server cannot be reached within the reconnect timeout
     */
    public void run() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + reconnectTimeout.toNanos();
        IOException last = null;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 10_000);
                s.setTcpNoDelay(true);
                deadline = Long.MAX_VALUE; // connected: the timeout starts again if the connection is lost
                if (session(s)) return;
                last = new IOException("server closed the connection");
            } catch (RejectedException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
            if (deadline == Long.MAX_VALUE) {
                LOG.warn("client {}: lost the server ({}); reconnecting", id, last.getMessage());
                deadline = System.nanoTime() + reconnectTimeout.toNanos();
            }
            if (System.nanoTime() >= deadline) throw new IOException("client " + id + ": cannot reach " + host + ":" + port + ": " + last.getMessage(), last);
            Thread.sleep(200);
        }
    }

    /** One connection; true when the server said goodbye. */
    private boolean session(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
        Frames.write(out, Frames.HELLO, new Frames.Writer().s(id).l(trainer.numSamples()).l(trainer.layout().signature()).i(trainer.layout().numel()));
        Frames.Frame reply = Frames.read(in, Frames.maxPayload(trainer.layout().numel()));
        if (reply == null) throw new IOException("server closed the connection during the handshake");
        if (reply.type() == Frames.REJECT) throw new RejectedException("client " + id + " rejected by the server: " + reply.body().s());
        if (reply.type() != Frames.WELCOME) throw new IOException("expected WELCOME, got frame type " + reply.type());
        LOG.info("client {} joined {}:{} with {} samples", id, host, port, trainer.numSamples());
        while (true) {
            Frames.Frame f = Frames.read(in, Frames.maxPayload(trainer.layout().numel()));
            if (f == null) return false;
            if (f.type() == Frames.BYE) {
                LOG.info("client {}: federation over after {} rounds", id, rounds);
                return true;
            }
            Frames.Reader r = f.body();
            int round = r.i();
            try {
                switch (f.type()) {
                    case Frames.FIT -> {
                        FitConfig cfg = r.config();
                        ClientUpdate u = train(round, r.floats(), cfg);
                        Frames.write(out, Frames.UPDATE, new Frames.Writer().i(round).l(u.numSamples()).d(u.trainLoss()).floats(u.weights()));
                    }
                    case Frames.KEY_REQUEST -> Frames.write(out, Frames.KEY, new Frames.Writer().i(round).b(secure.publicKey(round)));
                    case Frames.FIT_MASKED -> {
                        FitConfig cfg = r.config();
                        float[] global = r.floats();
                        Map<String, byte[]> peers = r.keys();
                        ClientUpdate u = train(round, global, cfg);
                        long[] masked = secure.mask(round, u.weights(), u.numSamples(), peers);
                        Frames.write(out, Frames.MASKED_UPDATE, new Frames.Writer().i(round).l(u.numSamples()).d(u.trainLoss()).longs(masked));
                    }
                    case Frames.REVEAL -> {
                        int n = r.i();
                        Set<String> dropped = new HashSet<>();
                        for (int k = 0; k < n; k++) dropped.add(r.s());
                        Frames.write(out, Frames.SEEDS, new Frames.Writer().i(round).keys(secure.reveal(round, dropped)));
                    }
                    default -> throw new IOException("unexpected frame type " + f.type());
                }
            } catch (RuntimeException e) {
                LOG.warn("client {}: round {} failed: {}", id, round, e.toString());
                Frames.write(out, Frames.FAILED, new Frames.Writer().i(round).s(String.valueOf(e.getMessage())));
            }
        }
    }

    private ClientUpdate train(int round, float[] global, FitConfig cfg) {
        long start = System.nanoTime();
        ClientUpdate u = trainer.fit(id, round, global, cfg);
        rounds++;
        LOG.info("client {}: round {} trained, loss {}, {} s", id, round, String.format("%.4f", u.trainLoss()), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return u;
    }

    /** The server refused this client; retrying will not help. */
    public static final class RejectedException extends IOException {
        public RejectedException(String message) {
            super(message);
        }
    }
}
