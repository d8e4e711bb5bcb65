package dev.anvil.distributed;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the ranks of a {@link TcpProcessGroup} find each other through a {@link TcpStore}: each
 * rank claims its rank number, publishes its world size and the address it listens on, checks
 * that every rank agrees on the world size, then connects to the next rank of the ring and
 * accepts the connection of the previous one.
 */
final class RingRendezvous {
    private static final Logger LOG = LoggerFactory.getLogger(RingRendezvous.class);
    private static final int HELLO = 0x414E5652; // "ANVR"
    private static final long RETRY_MILLIS = 50;

    /** The two connections of one rank: to the next rank of the ring and from the previous one. */
    record Links(SocketChannel toNext, SocketChannel fromPrevious) {}

    private RingRendezvous() {}

    /**
     * Joins the ring of {@code worldSize} ranks as {@code rank}, with keys under {@code prefix}.
     *
     * @throws IllegalStateException for a rank claimed twice, a world size that differs between
     *     ranks, or ranks that do not join within {@code timeout}; the message says how to fix it
     */
    static Links join(TcpStore store, String prefix, int rank, int worldSize, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (store.add(prefix + "/claim/" + rank, 1) > 1) {
            throw new IllegalStateException("rank " + rank + " joined the group twice (store at " + store.address()
                    + "): every process needs its own rank in 0.." + (worldSize - 1)
                    + "; check RANK (or OMPI_COMM_WORLD_RANK / SLURM_PROCID) of each process");
        }
        if (worldSize == 1) return new Links(null, null);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            InetAddress local = store.localAddress();
            server.bind(new InetSocketAddress(local, 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            store.set(prefix + "/rank/" + rank, worldSize + " " + local.getHostAddress() + " " + port);
            String[] peers = peers(store, prefix, rank, worldSize, timeout, deadline);
            String[] next = peers[(rank + 1) % worldSize].split(" ");
            SocketChannel toNext = connect(next[1], Integer.parseInt(next[2]), rank, deadline);
            try {
                return new Links(toNext, accept(server, rank, worldSize, deadline));
            } catch (IOException | RuntimeException e) {
                toNext.close();
                throw e;
            }
        }
    }

    /** Every rank's published entry, after checking they all have this rank's world size. */
    private static String[] peers(TcpStore store, String prefix, int rank, int worldSize, Duration timeout, long deadline) {
        String[] entries = new String[worldSize];
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            Duration wait = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            try {
                entries[r] = new String(store.get(prefix + "/rank/" + r, wait), StandardCharsets.UTF_8);
            } catch (StoreTimeoutException e) {
                missing.add(r);
                continue;
            }
            int theirs = Integer.parseInt(entries[r].split(" ")[0]);
            if (theirs != worldSize) {
                throw new IllegalStateException("world size mismatch: rank " + r + " was started with a world size of " + theirs
                        + ", rank " + rank + " with " + worldSize + "; start every rank with the same WORLD_SIZE");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("rank " + rank + ": ranks " + missing + " of " + worldSize + " did not join within "
                    + timeout.toMillis() + " ms (store at " + store.address() + "); start all "
                    + worldSize + " ranks, each with its own RANK and the same WORLD_SIZE, MASTER_ADDR and MASTER_PORT");
        }
        return entries;
    }

    private static SocketChannel connect(String host, int port, int rank, long deadline) throws IOException {
        for (int attempt = 1;; attempt++) {
            SocketChannel c = SocketChannel.open();
            try {
                c.socket().connect(new InetSocketAddress(host, port), (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                configure(c);
                c.write(ByteBuffer.allocate(2 * Integer.BYTES).putInt(HELLO).putInt(rank).flip());
                return c;
            } catch (IOException e) {
                c.close();
                if (System.nanoTime() + RETRY_MILLIS * 1_000_000 >= deadline) {
                    throw new IOException("rank " + rank + ": cannot connect to the next rank at " + host + ":" + port + " after "
                            + attempt + " attempts: " + e.getMessage(), e);
                }
                LOG.debug("rank {}: connecting to {}:{} failed ({}), retrying", rank, host, port, e.toString());
                pause();
            }
        }
    }

    private static SocketChannel accept(ServerSocketChannel server, int rank, int worldSize, long deadline) throws IOException {
        int previous = (rank + worldSize - 1) % worldSize;
        server.socket().setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        Socket s;
        try {
            s = server.socket().accept();
        } catch (SocketTimeoutException e) {
            throw new IOException("rank " + rank + ": rank " + previous + " did not connect in time", e);
        }
        SocketChannel c = s.getChannel();
        try {
            configure(c);
            s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            DataInputStream in = new DataInputStream(s.getInputStream());
            int magic = in.readInt(), from = in.readInt();
            s.setSoTimeout(0);
            if (magic != HELLO || from != previous) {
                throw new IOException("rank " + rank + ": expected rank " + previous + " to connect, got "
                        + (magic == HELLO ? "rank " + from : "a stranger"));
            }
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    private static void configure(SocketChannel c) throws IOException {
        c.socket().setTcpNoDelay(true);
        c.socket().setSendBufferSize(4 << 20);
        c.socket().setReceiveBufferSize(4 << 20);
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while joining the group", e);
        }
    }
}
