package dev.anvil.federated.transport;

import dev.anvil.federated.FitConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire format between {@link FederationServer} and {@link FederationClient}: frames of
 * {@code int magic "ANVF", byte version, byte type, int length, length bytes of payload}, big-endian.
 * A frame with another magic or version, or longer than the model needs ({@link #maxPayload}), ends
 * the connection.
 */
final class Frames {
    static final int MAGIC = 0x414E5646; // "ANVF"
    static final byte VERSION = 1;
    static final int MAX_PAYLOAD = 1 << 30;

    /** The largest frame a peer exchanging {@code numel} values may send: the masked (8-byte) values and 1 MiB. */
    static int maxPayload(int numel) {
        return (int) Math.min(MAX_PAYLOAD, 8L * numel + (1 << 20));
    }

    // client -> server
    static final byte HELLO = 1, UPDATE = 2, FAILED = 3, KEY = 4, MASKED_UPDATE = 5, SEEDS = 6;
    // server -> client
    static final byte WELCOME = 20, REJECT = 21, FIT = 22, KEY_REQUEST = 23, FIT_MASKED = 24, REVEAL = 25, BYE = 26;

    private Frames() {}

    record Frame(byte type, Reader body) {}

    static void write(DataOutputStream out, byte type, Writer body) throws IOException {
        byte[] payload = body == null ? new byte[0] : body.bytes();
        synchronized (out) {
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(type);
            out.writeInt(payload.length);
            out.write(payload);
            out.flush();
        }
    }

    static Frame read(DataInputStream in, int maxPayload) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (magic != MAGIC) throw new IOException(String.format("not an Anvil federation peer (magic 0x%08x, expected 0x%08x)", magic, MAGIC));
        byte version = in.readByte();
        if (version != VERSION) throw new IOException("protocol version " + version + ", this side speaks " + VERSION);
        byte type = in.readByte();
        int length = in.readInt();
        if (length < 0 || length > maxPayload) throw new IOException("frame of " + length + " bytes (limit " + maxPayload + ")");
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, new Reader(ByteBuffer.wrap(payload)));
    }

    /** Builds a payload. */
    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Writer i(int v) throws IOException {
            out.writeInt(v);
            return this;
        }

        Writer l(long v) throws IOException {
            out.writeLong(v);
            return this;
        }

        Writer d(double v) throws IOException {
            out.writeDouble(v);
            return this;
        }

        Writer s(String v) throws IOException {
            return b(v.getBytes(StandardCharsets.UTF_8));
        }

        Writer b(byte[] v) throws IOException {
            out.writeInt(v.length);
            out.write(v);
            return this;
        }

        Writer floats(float[] v) throws IOException {
            out.writeInt(v.length);
            ByteBuffer buf = ByteBuffer.allocate(v.length * 4);
            buf.asFloatBuffer().put(v);
            out.write(buf.array());
            return this;
        }

        Writer longs(long[] v) throws IOException {
            out.writeInt(v.length);
            ByteBuffer buf = ByteBuffer.allocate(v.length * 8);
            buf.asLongBuffer().put(v);
            out.write(buf.array());
            return this;
        }

        Writer config(FitConfig c) throws IOException {
            return i(c.localEpochs()).i(c.batchSize()).d(c.lr()).d(c.momentum()).d(c.proximalMu()).l(c.seed());
        }

        Writer keys(Map<String, byte[]> m) throws IOException {
            i(m.size());
            for (Map.Entry<String, byte[]> e : m.entrySet()) s(e.getKey()).b(e.getValue());
            return this;
        }

        byte[] bytes() throws IOException {
            out.flush();
            return bytes.toByteArray();
        }
    }

    /** Reads a payload; a payload shorter than its fields fail with an IOException. */
    static final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf;
        }

        private void need(long n) throws IOException {
            if (n < 0 || n > buf.remaining()) throw new IOException("truncated frame: needs " + n + " more bytes, has " + buf.remaining());
        }

        int i() throws IOException {
            need(4);
            return buf.getInt();
        }

        long l() throws IOException {
            need(8);
            return buf.getLong();
        }

        double d() throws IOException {
            need(8);
            return buf.getDouble();
        }

        byte[] b() throws IOException {
            int n = i();
            need(n);
            byte[] v = new byte[n];
            buf.get(v);
            return v;
        }

        String s() throws IOException {
            return new String(b(), StandardCharsets.UTF_8);
        }

        float[] floats() throws IOException {
            int n = i();
            need(4L * n);
            float[] v = new float[n];
            buf.asFloatBuffer().get(v);
            buf.position(buf.position() + 4 * n);
            return v;
        }

        long[] longs() throws IOException {
            int n = i();
            need(8L * n);
            long[] v = new long[n];
            buf.asLongBuffer().get(v);
            buf.position(buf.position() + 8 * n);
            return v;
        }

        FitConfig config() throws IOException {
            try {
                return new FitConfig(i(), i(), d(), d(), d(), l());
            } catch (IllegalArgumentException e) {
                throw new IOException("bad fit options: " + e.getMessage(), e);
            }
        }

        Map<String, byte[]> keys() throws IOException {
            int n = i();
            if (n < 0 || n > 1_000_000) throw new IOException("bad key count " + n);
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (int k = 0; k < n; k++) m.put(s(), b());
            return m;
        }
    }
}
