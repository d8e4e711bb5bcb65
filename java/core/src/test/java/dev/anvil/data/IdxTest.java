package dev.anvil.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** The bytes of an IDX file with the given magic, dimensions and data. */
    static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(data);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    private static byte[] sequence(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7);
        return b;
    }

    @Test
    void readsRawAndGzipFilesWhateverTheirNames() throws IOException {
        byte[] data = sequence(2 * 3 * 4);
        byte[] file = idx(0x00000803, new int[] {2, 3, 4}, data);
        Path raw = Files.write(dir.resolve("images.gz"), file); // misleading name: content decides
        Path gz = Files.write(dir.resolve("images"), gzip(file));
        for (Path p : new Path[] {raw, gz}) {
            Idx idx = Idx.read(p);
            assertArrayEquals(new int[] {2, 3, 4}, idx.dims(), p.toString());
            assertEquals(3, idx.rank());
            assertArrayEquals(data, idx.data(), p.toString());
        }
        Idx labels = Idx.read(Files.write(dir.resolve("labels"), idx(0x00000801, new int[] {5}, sequence(5))));
        assertArrayEquals(new int[] {5}, labels.dims());
    }

    @Test
    void truncatedFileIsRejectedWithExpectedAndActualSizes() throws IOException {
        byte[] file = idx(0x00000803, new int[] {2, 3, 4}, sequence(24));
        byte[] cut = Arrays.copyOf(file, file.length - 5);
        Path raw = Files.write(dir.resolve("cut"), cut);
        IOException e = assertThrows(IOException.class, () -> Idx.read(raw));
        assertTrue(e.getMessage().contains(raw.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("35 bytes") && e.getMessage().contains("implies 40"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path gz = Files.write(dir.resolve("cut.gz"), gzip(cut));
        IOException ge = assertThrows(IOException.class, () -> Idx.read(gz));
        assertTrue(ge.getMessage().contains("35 bytes") && ge.getMessage().contains("implies 40"), ge.getMessage());

        byte[] zipped = gzip(file);
        Path cutGz = Files.write(dir.resolve("cutstream.gz"), Arrays.copyOf(zipped, zipped.length / 2));
        IOException ce = assertThrows(IOException.class, () -> Idx.read(cutGz));
        assertTrue(ce.getMessage().contains(cutGz.toString()), ce.getMessage());

        Path gzipHeader = Files.write(dir.resolve("gzipheader.gz"), Arrays.copyOf(zipped, 5));
        IOException gh = assertThrows(IOException.class, () -> Idx.read(gzipHeader));
        assertTrue(gh.getMessage().contains(gzipHeader.toString()), gh.getMessage());

        Path header = Files.write(dir.resolve("header"), Arrays.copyOf(file, 6));
        IOException he = assertThrows(IOException.class, () -> Idx.read(header));
        assertTrue(he.getMessage().contains("truncated"), he.getMessage());
    }

    /**
     * A 12-byte file declaring 46340 x 46340 images (2 GiB): refused as truncated, after allocating
     * about what the file holds, not what its header declares (before: a 2 GiB allocation, an
     * OutOfMemoryError on a small heap).
     */
    @Test
    void aHeaderDeclaringGigabytesAllocatesOnlyWhatTheFileHolds() throws IOException {
        Path file = dir.resolve("liar-idx3-ubyte");
        Files.write(file, java.nio.ByteBuffer.allocate(12).putInt(0x0802).putInt(46340).putInt(46340).array());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        dev.anvil.io.FileFormatException e = assertThrows(dev.anvil.io.FileFormatException.class, () -> Idx.read(file));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 8 << 20, "allocated " + allocated + " bytes for a 12-byte file");
        assertEquals("data", e.field());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("implies 2147395612") && e.getMessage().contains("(truncated)"), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        byte[] file = idx(0x00000801, new int[] {4}, sequence(4));
        byte[] longer = Arrays.copyOf(file, file.length + 3);
        for (Path p : new Path[] {
            Files.write(dir.resolve("long"), longer), Files.write(dir.resolve("long.gz"), gzip(longer))
        }) {
            IOException e = assertThrows(IOException.class, () -> Idx.read(p));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("15 bytes") && e.getMessage().contains("implies 12"), e.getMessage());
            assertTrue(e.getMessage().contains("trailing"), e.getMessage());
        }
    }

    @Test
    void wrongMagicTypesAndDimensionsAreRejected() throws IOException {
        Path notIdx = Files.write(dir.resolve("png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 1, 1});
        IOException e = assertThrows(IOException.class, () -> Idx.read(notIdx));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());

        Path floats = Files.write(dir.resolve("floats"), idx(0x00000D01, new int[] {1}, new byte[4]));
        IOException t = assertThrows(IOException.class, () -> Idx.read(floats));
        assertTrue(t.getMessage().contains("data type 0xd") && t.getMessage().contains("unsigned byte"), t.getMessage());

        Path rank0 = Files.write(dir.resolve("rank0"), idx(0x00000800, new int[0], new byte[0]));
        assertTrue(assertThrows(IOException.class, () -> Idx.read(rank0)).getMessage().contains("0 dimensions"));

        Path zeroDim = Files.write(dir.resolve("zero"), idx(0x00000802, new int[] {3, 0}, new byte[0]));
        assertTrue(assertThrows(IOException.class, () -> Idx.read(zeroDim)).getMessage().contains("non-positive"));

        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThrows(IOException.class, () -> Idx.read(empty));
        assertThrows(IOException.class, () -> Idx.read(dir.resolve("absent")));
    }
}
