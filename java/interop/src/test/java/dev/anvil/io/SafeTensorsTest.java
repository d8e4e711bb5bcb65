package dev.anvil.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anvil.DType;
import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.nn.BatchNorm1d;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Sequential;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest extends LeakChecked {
    @TempDir
    Path dir;

    private static Sequential model() {
        Sequential m = new Sequential().add("fc", new Linear(3, 2)).add("bn", new BatchNorm1d(2));
        m.resetParameters(1);
        return m;
    }

    /** Reads our file the way the format's specification describes it, without SafeTensors. */
    @Test
    void writtenFileFollowsTheSpecification() throws Exception {
        Path file = dir.resolve("m.safetensors");
        try (Sequential m = model()) {
            SafeTensors.save(file, m, Map.of("classes", "cat,dog"));
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            long n = b.getLong();
            assertEquals(0, (8 + n) % 8, "data is 8-byte aligned");
            JsonNode header = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
            assertEquals("cat,dog", header.get("__metadata__").get("classes").asText());
            assertEquals(1 + 7, header.size(), "metadata, fc.weight, fc.bias, bn.weight, bn.bias and the three buffers");

            JsonNode w = header.get("fc.weight");
            assertEquals("F32", w.get("dtype").asText());
            assertEquals("[2,3]", w.get("shape").toString());
            float[] expected = m.stateDict().get("fc.weight").toFloatArray();
            ByteBuffer data = ByteBuffer.wrap(all, (int) (8 + n + w.get("data_offsets").get(0).asLong()), 24).order(ByteOrder.LITTLE_ENDIAN);
            float[] actual = new float[6];
            data.asFloatBuffer().get(actual);
            assertArrayEquals(expected, actual);

            JsonNode count = header.get("bn.num_batches_tracked");
            assertEquals("I64", count.get("dtype").asText());
            assertEquals("[]", count.get("shape").toString(), "a scalar, as in PyTorch");
            long last = 0;
            for (var it = header.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getKey().equals("__metadata__")) last = Math.max(last, f.getValue().get("data_offsets").get(1).asLong());
            }
            assertEquals(all.length - 8 - n, last, "the tensors fill the data exactly");
        }
    }

    @Test
    void roundTripKeepsEveryTypeAndShape() throws Exception {
        Path file = dir.resolve("t.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        try (Tensor f = Tensor.of(new float[] {1.5f, -2f, 3.25f, 0f}, 2, 2);
                Tensor i = Tensor.ofInts(new int[] {7, -8, 9}, 3);
                Tensor l = Tensor.ofLongs(new long[] {1L << 40}, 1)) {
            in.put("f", f);
            in.put("i", i);
            in.put("l", l);
            SafeTensors.write(file, in, null);
        }
        try (SafeTensors.Contents c = SafeTensors.read(file)) {
            assertEquals(java.util.List.of("f", "i", "l"), java.util.List.copyOf(c.tensors().keySet()));
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f}, c.get("f").toFloatArray());
            assertArrayEquals(new long[] {2, 2}, c.get("f").shape());
            assertArrayEquals(new int[] {7, -8, 9}, c.get("i").toIntArray());
            assertEquals(DType.INT64, c.get("l").dtype());
            assertArrayEquals(new long[] {1L << 40}, c.get("l").toLongArray());
            assertTrue(c.metadata().isEmpty());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.get("g"));
            assertTrue(e.getMessage().contains("holds no tensor 'g'"), e.getMessage());
        }
    }

    @Test
    void batchNormCounterSurvivesTheRoundTrip() throws Exception {
        Path file = dir.resolve("bn.safetensors");
        try (Sequential m = model(); Sequential other = model(); Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 7}, 2, 3)) {
            m.train(true);
            m.forward(x);
            m.forward(x);
            SafeTensors.save(file, m, null);
            SafeTensors.load(file, other, true);
            assertArrayEquals(new long[] {2}, other.stateDict().get("bn.num_batches_tracked").toLongArray());
            assertArrayEquals(m.stateDict().get("bn.running_mean").toFloatArray(), other.stateDict().get("bn.running_mean").toFloatArray());
        }
    }

    // ------------------------------------------------------------------ bad files

    /** A file with the given header JSON (no padding) and {@code dataBytes} zero bytes of data. */
    private Path fileWith(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    /** A file with this header and data size is refused with a message that contains {@code fragment}. */
    private void assertBad(String header, int dataBytes, String fragment) throws IOException {
        String message = badFile(fileWith(header, dataBytes));
        assertTrue(message.contains(fragment), message);
    }

    private static String badFile(Path p) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertEquals(p, e.file());
        return e.getMessage();
    }

    @Test
    void truncatedFilesAreReported() throws Exception {
        Path good = dir.resolve("good.safetensors");
        try (Sequential m = model()) {
            SafeTensors.save(good, m, null);
        }
        byte[] all = Files.readAllBytes(good);
        Path p = dir.resolve("cut.safetensors");
        Files.write(p, Arrays.copyOf(all, all.length - 4));
        assertTrue(badFile(p).contains("truncated"), badFile(p));
        Files.write(p, Arrays.copyOf(all, 40));
        assertTrue(badFile(p).contains("only 32 bytes follow (truncated)"), badFile(p));
        Files.write(p, Arrays.copyOf(all, 5));
        assertTrue(badFile(p).contains("the 8-byte header length is missing"), badFile(p));
    }

    @Test
    void headerTooLargeIsRefusedBeforeReadingIt() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).putLong(0);
        Path p = dir.resolve("huge.safetensors");
        Files.write(p, b.array());
        assertTrue(badFile(p).contains("more than the 100000000 allowed"), badFile(p));
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).putLong(0).array());
        assertTrue(badFile(p).contains("18446744073709551615 bytes"), badFile(p));
    }

    @Test
    void overlapsGapsAndWrongSizesAreReported() throws Exception {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(badFile(fileWith(overlap, 12)).contains("tensor b: its data_offsets [4, 12) overlap those of a [0, 8)"),
                badFile(fileWith(overlap, 12)));
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "bytes [0, 4) before it belong to no tensor");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "4 bytes after the last tensor belong to no tensor");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "span 8 bytes but F32[1] needs 4");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "more elements of F32 than the 8 bytes of data hold");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8, "reach past the 8 bytes of data (truncated)");
    }

    @Test
    void malformedHeadersAreReported() throws Exception {
        assertTrue(badFile(fileWith("[1, 2, 3]", 0)).contains("it does not start with '{'"));
        assertTrue(badFile(fileWith("{\"a\": ", 0)).contains("it is not valid JSON"));
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "Duplicate field 'a'");
        assertBad("{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype \"F31\"");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "no \"shape\" array");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "dimension 0 is not a non-negative integer");
        assertBad("{\"__metadata__\":{\"k\":1}}", 0, "value of 'k' is not a string");
    }

    @Test
    void typesAnvilDoesNotHoldAreNamed() throws Exception {
        String f16 = "{\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        Path p = fileWith(f16, 4);
        assertTrue(badFile(p).contains("tensor half is F16; Anvil reads F32, I32 and I64 tensors"), badFile(p));
        // The header itself is valid and can be inspected.
        SafeTensors.Header h = SafeTensors.readHeader(p);
        assertEquals("F16", h.entries().get("half").dtype());
        assertEquals(4, h.entries().get("half").end());
    }

    @Test
    void aFileForAnotherModelNamesEachProblemAndChangesNothing() throws Exception {
        Path file = dir.resolve("other.safetensors");
        try (Sequential other = new Sequential().add("fc", new Linear(4, 2)).add("bn", new BatchNorm1d(2))) {
            SafeTensors.save(file, other, null);
        }
        try (Sequential m = model()) {
            float[] before = m.stateDict().get("fc.weight").toFloatArray();
            FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.load(file, m, true));
            assertTrue(e.getMessage().contains("fc.weight has shape [2, 4] but the model's is [2, 3]"), e.getMessage());
            assertArrayEquals(before, m.stateDict().get("fc.weight").toFloatArray(), "model unchanged");
        }
        // A wrong dtype: the counter written as F32.
        Map<String, Tensor> state = new LinkedHashMap<>();
        try (Sequential m = model(); Tensor wrong = Tensor.of(new float[] {0f})) {
            state.putAll(m.stateDict());
            state.put("bn.num_batches_tracked", wrong.reshape());
            SafeTensors.write(file, state, null);
            FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.load(file, m, true));
            assertTrue(e.getMessage().contains("bn.num_batches_tracked is FLOAT32 but the model's is INT64"), e.getMessage());
        }
        // Strict loading wants every name; non-strict loads what is there.
        Map<String, Tensor> partial = new LinkedHashMap<>();
        try (Sequential m = model(); Sequential src = model()) {
            src.resetParameters(99);
            partial.put("fc.weight", src.stateDict().get("fc.weight"));
            SafeTensors.write(file, partial, null);
            FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.load(file, m, true));
            assertTrue(e.getMessage().contains("missing fc.bias"), e.getMessage());
            SafeTensors.load(file, m, false);
            assertArrayEquals(src.stateDict().get("fc.weight").toFloatArray(), m.stateDict().get("fc.weight").toFloatArray());
        }
    }

    @Test
    void badArgumentsAreRejected() throws Exception {
        Path file = dir.resolve("x.safetensors");
        try (Tensor t = Tensor.of(new float[] {1f}, 1)) {
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("__metadata__", t), null));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("", t), null));
        }
        Tensor closed = Tensor.of(new float[] {1f}, 1);
        closed.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("c", closed), null));
        assertTrue(e.getMessage().contains("tensor 'c' is closed"));
        assertFalse(Files.exists(file), "nothing written");
        assertThrows(NullPointerException.class, () -> SafeTensors.write(null, Map.of(), null));
        FileFormatException missing = assertThrows(FileFormatException.class, () -> SafeTensors.read(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("no such safetensors file"));
    }
}
