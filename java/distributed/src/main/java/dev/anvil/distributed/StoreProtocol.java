package dev.anvil.distributed;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire format of {@link TcpStore}: big-endian, every string and value length-prefixed.
 *
 * <pre>
 * request:  int op, int keyLength, key (UTF-8), then per op:
 *             SET: int valueLength, value     GET, WAIT: long timeoutMillis     ADD: long delta
 * response: int status, int valueLength, value (SET: empty; GET: the value; WAIT: empty; ADD: 8-byte sum)
 * </pre>
 */
final class StoreProtocol {
    static final int SET = 1, GET = 2, WAIT = 3, ADD = 4;
    static final int OK = 0, TIMED_OUT = 1, BAD_REQUEST = 2;
    /** Longest key or value accepted, so that a stray connection cannot make the server allocate without bound. */
    static final int MAX_LENGTH = 16 << 20;

    private StoreProtocol() {}

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LENGTH) throw new IOException("bad length " + n + " (at most " + MAX_LENGTH + " bytes)");
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeKey(DataOutputStream out, String key) throws IOException {
        writeBytes(out, key.getBytes(StandardCharsets.UTF_8));
    }

    static String readKey(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }
}
