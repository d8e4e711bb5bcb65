package dev.anvil.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a {@link TcpStoreServer}: the key-value store through which the ranks of a job
 * find each other (rendezvous), like PyTorch's {@code TCPStore}. Keys are strings, values bytes;
 * {@link #get} and {@link #wait} block until a key is set, at most for a given time.
 *
 * <p>A client is thread-safe: requests from several threads are sent one at a time.
 */
public final class TcpStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpStore.class);
    /** Pause between connection attempts while the server is not up yet. */
    private static final long RETRY_MILLIS = 100;
    /** Extra time the client gives the server to answer a wait that timed out. */
    private static final int ANSWER_MARGIN_MILLIS = 5_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String address;
    private final Duration timeout;

    private TcpStore(Socket socket, Duration timeout) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        this.address = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
        this.timeout = timeout;
    }

    /**
     * Connects to the server at {@code host:port}, retrying while it is not up yet for at most
     * {@code timeout}, which is also the default time of {@link #get} and {@link #wait(String)}.
     *
     * @throws IOException naming the address and the attempts if no connection could be made
     */
    public static TcpStore connect(String host, int port, Duration timeout) throws IOException {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("store port must be in 1..65535, got " + port);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        InetAddress address = InetAddress.getByName(host);
        long deadline = System.nanoTime() + timeout.toNanos();
        int attempts = 0;
        for (;;) {
            attempts++;
            Socket s = new Socket();
            try {
                long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                s.connect(new InetSocketAddress(address, port), (int) Math.min(Integer.MAX_VALUE, remaining));
                s.setTcpNoDelay(true);
                LOG.debug("connected to the store at {}:{} after {} attempts", host, port, attempts);
                return new TcpStore(s, timeout);
            } catch (IOException e) {
                s.close();
                if (System.nanoTime() + RETRY_MILLIS * 1_000_000 >= deadline) {
                    throw new IOException("cannot reach the store at " + host + ":" + port + " after " + attempts + " attempts in "
                            + timeout.toMillis() + " ms (" + e.getMessage() + "); is the launcher (or rank 0) running, and are "
                            + "MASTER_ADDR/MASTER_PORT the same for every rank?", e);
                }
                sleep(RETRY_MILLIS);
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to the store", e);
        }
    }

    /** The server's address, {@code host:port}. */
    public String address() {
        return address;
    }

    /** This end's address of the connection: the interface through which this machine reaches the server. */
    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    /** The default time of {@link #get(String)} and {@link #wait(String)}. */
    public Duration timeout() {
        return timeout;
    }

    /** Sets {@code key} to {@code value}, replacing any earlier value, and wakes its waiters. */
    public void set(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        request(StoreProtocol.SET, key, 0, o -> StoreProtocol.writeBytes(o, value));
    }

    /** Sets {@code key} to the UTF-8 bytes of {@code value}. */
    public void set(String key, String value) {
        set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value of {@code key}, waiting for it at most the store's timeout. */
    public byte[] get(String key) {
        return get(key, timeout);
    }

    /**
     * The value of {@code key}, waiting at most {@code wait} until some client sets it.
     *
     * @throws StoreTimeoutException naming the key and the store's address if it is not set in time
     */
    public byte[] get(String key, Duration wait) {
        return request(StoreProtocol.GET, key, wait.toMillis(), o -> o.writeLong(wait.toMillis()));
    }

    /** {@link #get(String)} as a UTF-8 string. */
    public String getString(String key) {
        return new String(get(key), StandardCharsets.UTF_8);
    }

    /** Waits at most the store's timeout until {@code key} is set. */
    public void wait(String key) {
        wait(key, timeout);
    }

    /**
     * Waits at most {@code wait} until {@code key} is set.
     *
     * @throws StoreTimeoutException naming the key and the store's address if it is not set in time
     */
    public void wait(String key, Duration wait) {
        request(StoreProtocol.WAIT, key, wait.toMillis(), o -> o.writeLong(wait.toMillis()));
    }

    /** Adds {@code delta} to the counter {@code key} (0 if unset) and returns the new value. */
    public long add(String key, long delta) {
        return ByteBuffer.wrap(request(StoreProtocol.ADD, key, 0, o -> o.writeLong(delta))).getLong();
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private synchronized byte[] request(int op, String key, long waitMillis, Body body) {
        Objects.requireNonNull(key, "key");
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, waitMillis + ANSWER_MARGIN_MILLIS));
            out.writeInt(op);
            StoreProtocol.writeKey(out, key);
            body.write(out);
            out.flush();
            int status = in.readInt();
            byte[] value = StoreProtocol.readBytes(in);
            if (status == StoreProtocol.TIMED_OUT) {
                throw new StoreTimeoutException("key '" + key + "' was not set within " + waitMillis + " ms (store at " + address + ")");
            }
            if (status != StoreProtocol.OK) throw new IOException("the store rejected the request (status " + status + ")");
            return value;
        } catch (SocketTimeoutException e) {
            close(); // a late answer would be taken for the next request's
            throw new StoreTimeoutException("no answer from the store at " + address + " about key '" + key + "' within "
                    + (waitMillis + ANSWER_MARGIN_MILLIS) + " ms");
        } catch (IOException e) {
            throw new UncheckedIOException("store at " + address + ", key '" + key + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing the store connection: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "TcpStore(" + address + ")";
    }
}
