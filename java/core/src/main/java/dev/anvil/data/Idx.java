package dev.anvil.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import dev.anvil.io.FileFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The contents of an IDX file of unsigned bytes, the format of MNIST and Fashion-MNIST: a
 * big-endian header (magic {@code 0x0000TTDD} with data type {@code TT = 0x08} and {@code DD}
 * dimensions, then one 32-bit size per dimension) followed by the row-major data. Files may be
 * gzip-compressed; compression is detected from the content, not the file name.
 */
public final class Idx {
    /** The IDX type code of unsigned bytes, the only type supported. */
    public static final int UNSIGNED_BYTE = 0x08;

    private static final int GZIP_MAGIC = 0x1f8b;

    /** The most data an IDX file may hold here: Java arrays end below 2 GiB. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private final int[] dims;
    private final byte[] data;

    private Idx(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /** Sizes of the dimensions, outermost first (e.g. {@code {60000, 28, 28}}). */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** The data, row-major, as stored (not copied: do not modify). */
    public byte[] data() {
        return data;
    }

    /**
     * Reads and validates an IDX file, raw or gzip-compressed.
     *
     * @throws IOException if the file cannot be read; {@link FileFormatException} (naming the file and
     *     the field) if it is not an unsigned-byte IDX file or its length differs from the size its
     *     header claims (truncated or with trailing bytes)
     */
    public static Idx read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            boolean gzip = isGzip(raw);
            String what = gzip ? "decompressed IDX file " + file : "IDX file " + file;
            try {
                InputStream content = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
                return parse(new DataInputStream(content), file, what);
            } catch (EOFException e) {
                throw new FileFormatException(file, "header", what + " ends early (truncated)");
            }
        } catch (ZipException e) {
            throw new FileFormatException(file, "gzip stream", "gzip file " + file + " is corrupt: " + e.getMessage());
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int magic = (in.read() << 8) | in.read();
        in.reset();
        return magic == GZIP_MAGIC;
    }

    private static Idx parse(DataInputStream in, Path file, String what) throws IOException {
        int magic = in.readInt();
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if ((magic >>> 16) != 0) {
            throw new FileFormatException(file, "magic", what + " has magic number 0x" + hex(magic)
                    + ", not an IDX file (expected 0x0000TTDD, e.g. 0x00000803)");
        }
        if (type != UNSIGNED_BYTE) {
            throw new FileFormatException(file, "data type", what + " has data type 0x" + Integer.toHexString(type)
                    + "; only 0x08 (unsigned byte) is supported");
        }
        if (rank == 0) throw new FileFormatException(file, "dimensions", what + " declares 0 dimensions");
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readInt();
            if (dims[i] <= 0) {
                throw new FileFormatException(file, "dimensions", what + " has a non-positive dimension: " + Arrays.toString(dims));
            }
            count *= dims[i];
            if (count > MAX_BYTES) {
                throw new FileFormatException(file, "dimensions", what + " declares dimensions " + Arrays.toString(dims)
                        + ": more than the " + MAX_BYTES + " bytes an IDX file may hold here");
            }
        }
        long header = 4L + 4L * rank;
        // Read what is there, growing the buffer as data arrives: the header alone must not decide
        // how much is allocated (a 12-byte file may declare gigabytes).
        byte[] data = readUpTo(in, (int) count);
        long trailing = data.length < count ? 0 : in.transferTo(OutputStream.nullOutputStream());
        if (data.length < count || trailing > 0) {
            throw new FileFormatException(file, "data", what + " has " + (header + data.length + trailing)
                    + " bytes but its header (dimensions " + Arrays.toString(dims) + ") implies " + (header + count)
                    + (trailing > 0 ? " (trailing bytes)" : " (truncated)"));
        }
        return new Idx(dims, data);
    }

    /** Up to {@code count} bytes, as far as the stream goes; a gzip stream cut short counts as its end. */
    private static byte[] readUpTo(InputStream in, int count) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(count, 1 << 20));
        byte[] chunk = new byte[1 << 16];
        try {
            for (int left = count; left > 0;) {
                int r = in.read(chunk, 0, Math.min(chunk.length, left));
                if (r < 0) break;
                out.write(chunk, 0, r);
                left -= r;
            }
        } catch (EOFException e) {
            // GZIPInputStream's way of saying the compressed stream was truncated
        }
        return out.toByteArray();
    }

    private static String hex(int v) {
        return String.format("%08x", v);
    }

    @Override
    public String toString() {
        return "Idx(uint8" + Arrays.toString(dims) + ")";
    }
}
