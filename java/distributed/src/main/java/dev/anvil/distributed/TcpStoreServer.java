package dev.anvil.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server of a {@link TcpStore}: a key-value map that clients reach over TCP. It is hosted by
 * the launcher (or by rank 0) at the master address; it runs one daemon thread per client
 * connection and answers requests in the order each client sends them.
 */
public final class TcpStoreServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpStoreServer.class);
    /** The longest a client's wait may block the server's thread for it. */
    private static final long MAX_WAIT_MILLIS = Duration.ofHours(1).toMillis();

    private final ServerSocket server;
    private final Map<String, byte[]> values = new HashMap<>(); // guarded by this
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private TcpStoreServer(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "anvil-store-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a server listening on {@code address} (the master address: loopback for one
     * machine) and {@code port}, 0 for any free port.
     *
     * @throws IOException if the port cannot be bound, e.g. because it is in use
     */
    public static TcpStoreServer start(InetAddress address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port), 128);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot host the store at " + address.getHostAddress() + ":" + port + ": " + e.getMessage()
                    + " (choose another port with MASTER_PORT or --master)", e);
        }
        LOG.debug("store listening on {}", s.getLocalSocketAddress());
        return new TcpStoreServer(s);
    }

    /** The port the server listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** The address the server listens on. */
    public InetAddress address() {
        return server.getInetAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                client.setTcpNoDelay(true);
                clients.add(client);
                Thread t = new Thread(() -> serve(client), "anvil-store-client-" + client.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) LOG.warn("store: accepting a connection failed: {}", e.toString());
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream()))) {
            while (!closed) {
                int op;
                try {
                    op = in.readInt();
                } catch (EOFException e) {
                    return; // the client closed the connection
                }
                String key = StoreProtocol.readKey(in);
                switch (op) {
                    case StoreProtocol.SET -> {
                        set(key, StoreProtocol.readBytes(in));
                        respond(out, StoreProtocol.OK, new byte[0]);
                    }
                    case StoreProtocol.GET, StoreProtocol.WAIT -> {
                        byte[] v = await(key, Math.min(Math.max(0, in.readLong()), MAX_WAIT_MILLIS));
                        respond(out, v == null ? StoreProtocol.TIMED_OUT : StoreProtocol.OK, v == null || op == StoreProtocol.WAIT ? new byte[0] : v);
                    }
                    case StoreProtocol.ADD -> respond(out, StoreProtocol.OK, ByteBuffer.allocate(Long.BYTES).putLong(add(key, in.readLong())).array());
                    default -> {
                        respond(out, StoreProtocol.BAD_REQUEST, new byte[0]);
                        return;
                    }
                }
            }
        } catch (SocketException e) {
            LOG.debug("store client {} gone: {}", client.getRemoteSocketAddress(), e.toString());
        } catch (IOException e) {
            if (!closed) LOG.warn("store: client {} failed: {}", client.getRemoteSocketAddress(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(client);
        }
    }

    private static void respond(DataOutputStream out, int status, byte[] value) throws IOException {
        out.writeInt(status);
        StoreProtocol.writeBytes(out, value);
        out.flush();
    }

    private synchronized void set(String key, byte[] value) {
        values.put(key, value);
        notifyAll();
    }

    private synchronized long add(String key, long delta) {
        byte[] old = values.get(key);
        long sum = (old == null ? 0 : Long.parseLong(new String(old, StandardCharsets.UTF_8))) + delta;
        values.put(key, Long.toString(sum).getBytes(StandardCharsets.UTF_8));
        notifyAll();
        return sum;
    }

    /** The value of {@code key} once it is set, or null if it is not within {@code millis}. */
    private synchronized byte[] await(String key, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (;;) {
            byte[] v = values.get(key);
            if (v != null || closed) return v;
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) return null;
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
    }

    /** Stops listening and drops every client connection. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the store's socket: {}", e.toString());
        }
        for (Socket c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("closing a store client: {}", e.toString());
            }
        }
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public String toString() {
        return "TcpStoreServer(" + server.getLocalSocketAddress() + ")";
    }
}
