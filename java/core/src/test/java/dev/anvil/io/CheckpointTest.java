package dev.anvil.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Optimizer;
import dev.anvil.optim.SGD;
import dev.anvil.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final float[] INPUT = {0.1f, -0.5f, 0.9f, 0.3f, -0.2f, 0.7f, 0.4f, 0.8f, -0.9f, 0.0f, 0.6f, -0.1f};
    private static final int[] LABELS = {2, 0};

    @TempDir
    Path dir;

    private Tensor x;
    private Tensor y;

    @BeforeEach
    void batch() {
        x = Tensor.of(INPUT, 2, 6);
        y = Tensor.ofInts(LABELS, 2);
    }

    @AfterEach
    void nothingLeaked() {
        x.close();
        y.close();
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static Sequential model(int hidden) {
        return new Sequential(new Linear(6, hidden), new ReLU(), new Linear(hidden, 3));
    }

    private static SGD sgd(Sequential model) {
        return SGD.builder().lr(0.1).momentum(0.9).build(model.parameters());
    }

    private void train(Sequential model, Optimizer opt, int steps) {
        try (Trainer trainer = Trainer.builder(model, opt).build()) {
            for (int i = 0; i < steps; i++) trainer.step(x, y);
        }
    }

    /** Every parameter value, then every optimizer state tensor, as arrays. */
    private static List<float[]> snapshot(Sequential model, Optimizer opt) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : model.parameters()) out.add(p.value().toFloatArray());
        if (opt != null) {
            for (int i = 0; i < opt.parameters().size(); i++) {
                for (Tensor t : opt.stateOf(i).values()) out.add(t.toFloatArray());
            }
        }
        return out;
    }

    private static void assertBitIdentical(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i), a = actual.get(i);
            assertEquals(e.length, a.length);
            for (int j = 0; j < e.length; j++) {
                assertEquals(Float.floatToRawIntBits(e[j]), Float.floatToRawIntBits(a[j]), "tensor " + i + " element " + j);
            }
        }
    }

    /** A checkpoint of a trained 6-4-3 model with momentum, metadata epoch=3. */
    private Path savedCheckpoint(String name) throws IOException {
        Init.manualSeed(1);
        Path file = dir.resolve(name);
        try (Sequential model = model(4); SGD opt = sgd(model)) {
            train(model, opt, 2);
            Checkpoint.save(file, model, opt, Map.of("epoch", "3"));
        }
        return file;
    }

    private static <T extends Throwable> void assertMessage(T e, String... fragments) {
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
    }

    /** Loading {@code file} fails with a message containing the fragments and leaves a fresh model unchanged. */
    private static void assertRejected(Path file, String... fragments) {
        Init.manualSeed(9);
        try (Sequential model = model(4); SGD opt = sgd(model)) {
            List<float[]> before = snapshot(model, opt);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(file, model, opt));
            assertMessage(e, fragments);
            assertBitIdentical(before, snapshot(model, opt));
            assertEquals(0, opt.steps());
        }
    }

    @Test
    void roundTripRestoresModelOptimizerAndMetadataExactly() throws IOException {
        Path file = dir.resolve("c.ckpt");
        Init.manualSeed(1);
        try (Sequential original = model(4); SGD opt = sgd(original)) {
            train(original, opt, 3);
            Checkpoint.save(file, original, opt, Map.of("epoch", "3", "note", "héllo"));
            Init.manualSeed(2);
            try (Sequential restored = model(4); SGD restoredOpt = sgd(restored)) {
                assertFalse(Arrays.equals(original.parameters().get(0).value().toFloatArray(),
                        restored.parameters().get(0).value().toFloatArray()), "another seed must give another start");
                Map<String, String> meta = Checkpoint.load(file, restored, restoredOpt);
                assertEquals(Map.of("epoch", "3", "note", "héllo"), meta);
                assertEquals(3, restoredOpt.steps());
                assertBitIdentical(snapshot(original, opt), snapshot(restored, restoredOpt));

                train(original, opt, 1);
                train(restored, restoredOpt, 1);
                assertBitIdentical(snapshot(original, opt), snapshot(restored, restoredOpt));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void modelOnlyCheckpoint() throws IOException {
        Path file = dir.resolve("model.ckpt");
        Init.manualSeed(1);
        try (Sequential original = model(4)) {
            Checkpoint.save(file, original, null, null);
            Init.manualSeed(2);
            try (Sequential restored = model(4); SGD opt = sgd(restored)) {
                assertEquals(Map.of(), Checkpoint.load(file, restored, null));
                assertBitIdentical(snapshot(original, null), snapshot(restored, null));
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(file, restored, opt));
                assertMessage(e, "optim/0.weight/momentum_buffer", "missing");
            }
        }
    }

    @Test
    void modelCanBeLoadedWithoutTheOptimizerStateItWasSavedWith() throws IOException {
        Path file = savedCheckpoint("full.ckpt");
        Init.manualSeed(9);
        try (Sequential a = model(4); Sequential b = model(4); SGD opt = sgd(b)) {
            assertEquals(Map.of("epoch", "3"), Checkpoint.load(file, a, null));
            Checkpoint.load(file, b, opt);
            assertBitIdentical(snapshot(b, null), snapshot(a, null));
        }
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        Path file = savedCheckpoint("c.ckpt");
        byte[] bytes = Files.readAllBytes(file);
        for (int cut : new int[] {0, 5, 30, bytes.length / 2, bytes.length - 16, bytes.length - 1}) {
            Path truncated = dir.resolve("cut" + cut + ".ckpt");
            Files.write(truncated, Arrays.copyOf(bytes, cut));
            assertRejected(truncated, "corrupt", "truncated");
        }
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws IOException {
        Path file = savedCheckpoint("c.ckpt");
        byte[] bytes = Files.readAllBytes(file);
        for (int at : new int[] {bytes.length / 2, 20, bytes.length - 17}) {
            byte[] damaged = bytes.clone();
            damaged[at] ^= 0x10;
            Path bad = dir.resolve("flip" + at + ".ckpt");
            Files.write(bad, damaged);
            assertRejected(bad, "corrupt", "checksum");
        }
    }

    /** A checkpoint holding one tensor of the given dimensions and data bytes, with a valid checksum. */
    private Path crafted(String name, long[] dims, int dataBytes) throws IOException {
        byte[] nameBytes = "model/0.weight".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 4 + 4 + 4 + 4 + nameBytes.length + 8 + 8 * dims.length + dataBytes + 16)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(Checkpoint.MAGIC).putInt(Checkpoint.VERSION).putInt(0).putInt(1).putInt(nameBytes.length).put(nameBytes)
                .putInt(0 /* float32 */).putInt(dims.length);
        for (long d : dims) b.putLong(d);
        b.put(new byte[dataBytes]);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 0, b.position());
        b.putLong(crc.getValue()).put(Checkpoint.END);
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    /** Sizes that overflow 64-bit arithmetic or exceed the file: a clear rejection naming the tensor, no other exception. */
    @Test
    void shapesLargerThanTheFileAreRejectedWithExactArithmetic() throws IOException {
        long big = Integer.MAX_VALUE;
        assertRejected(crafted("overflow.ckpt", new long[] {big, big}, 4), "tensor model/0.weight", "dimension 0 is 2147483647",
                "4 bytes left");
        assertRejected(crafted("huge.ckpt", new long[] {(1L << 62) + 1}, 4), "tensor model/0.weight", "dimension 0 is 4611686018427387905");
        assertRejected(crafted("short.ckpt", new long[] {3, 2}, 20), "dimension 1 is 2", "20 bytes left");
        Path file = crafted("field.ckpt", new long[] {big, big}, 4);
        try (Sequential m = model(4)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(file, m, null));
            assertEquals("tensor model/0.weight", e.field());
            assertEquals(file, e.file());
        }
    }

    /**
     * A Sequential inside a Sequential: every inner weight is saved under its own name and restored
     * (before: "0.weight" twice, one of them silently dropped, and a loaded model at chance).
     */
    @Test
    void nestedModelsRoundTripEveryParameter() throws IOException {
        Path file = dir.resolve("nested.ckpt");
        Init.manualSeed(21);
        try (Sequential saved = new Sequential(new Sequential(new Linear(6, 4), new ReLU()), new Sequential(new Linear(4, 3)));
             Sequential fresh = new Sequential(new Sequential(new Linear(6, 4), new ReLU()), new Sequential(new Linear(4, 3)))) {
            assertEquals(List.of("0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias"), List.copyOf(saved.stateDict().keySet()));
            Checkpoint.save(file, saved, null, Map.of());
            Checkpoint.load(file, fresh, null);
            for (String key : saved.stateDict().keySet()) {
                assertArrayEquals(saved.stateDict().get(key).toFloatArray(), fresh.stateDict().get(key).toFloatArray(), key);
            }
        }
    }

    /** Metadata in a fixed order (the same training gives the same bytes) and readable without a model. */
    @Test
    void metadataIsSortedAndReadableWithoutAModel() throws IOException {
        Path a = dir.resolve("a.ckpt"), b = dir.resolve("b.ckpt");
        Map<String, String> forward = new java.util.LinkedHashMap<>(), backward = new java.util.LinkedHashMap<>();
        for (String k : List.of("zeta", "alpha", "model", "epoch")) forward.put(k, k + "-value");
        List<String> reversed = new java.util.ArrayList<>(forward.keySet());
        java.util.Collections.reverse(reversed);
        for (String k : reversed) backward.put(k, k + "-value");
        try (Sequential model = model(4)) {
            Checkpoint.save(a, model, null, forward);
            Checkpoint.save(b, model, null, backward);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertEquals(List.of("alpha", "epoch", "model", "zeta"), List.copyOf(Checkpoint.metadata(a).keySet()));
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        Path file = savedCheckpoint("c.ckpt");
        byte[] bytes = Files.readAllBytes(file);
        bytes[0] = 'X';
        Files.write(file, bytes);
        assertRejected(file, "not an Anvil checkpoint", "magic");
    }

    @Test
    void aCheckpointOfAnotherModelNamesTheTensorAndBothShapes() throws IOException {
        Init.manualSeed(1);
        Path file = dir.resolve("wide.ckpt");
        try (Sequential wide = model(5); SGD opt = sgd(wide)) {
            train(wide, opt, 1);
            Checkpoint.save(file, wide, opt, Map.of());
        }
        assertRejected(file, "does not fit this model", "model/0.weight", "[4, 6]", "[5, 6]");
    }

    @Test
    void missingFile() {
        assertRejected(dir.resolve("nothing-here.ckpt"), "nothing-here.ckpt", "no such checkpoint file");
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointIntact() throws IOException {
        Path file = savedCheckpoint("c.ckpt");
        byte[] before = Files.readAllBytes(file);
        Sequential closed = model(4);
        closed.close();
        assertThrows(IllegalStateException.class, () -> Checkpoint.save(file, closed, null, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Sequential model = model(4); SGD opt = sgd(model)) {
            assertEquals(Map.of("epoch", "3"), Checkpoint.load(file, model, opt));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void savingOverADirectoryOrUnderAFileFails() throws IOException {
        Path target = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(target.resolve("inside"), "x");
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        try (Sequential model = model(4)) {
            assertThrows(IOException.class, () -> Checkpoint.save(target, model, null, Map.of()));
            assertThrows(IOException.class, () -> Checkpoint.save(file.resolve("c.ckpt"), model, null, Map.of()));
        }
        assertTrue(Files.isDirectory(target));
        assertEquals("x", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }
}
