package dev.anvil.io;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Parameter;
import dev.anvil.optim.Optimizer;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Saves and restores a model's state dict (parameters and buffers, by the names of
 * {@link Layer#stateDict()}), an optimizer's state and string metadata, for any model.
 *
 * <p>Format (little-endian): magic "ANVILCKP", format version (2), metadata count and entries
 * (name, value; sorted by name, so that the same training gives the same bytes), tensor count and
 * tensors (name, type code, rank, dims, data), then the CRC-32 of everything before it and the end
 * magic "ANVILEND". Tensors are named "model/stages.0.conv1.weight" and
 * "optim/stages.0.conv1.weight/momentum_buffer". Version 1 files (float32 tensors, no type code)
 * still load. {@link #metadata(Path)} reads the metadata without a model.
 *
 * <p>Saving writes a file beside the target, forces it to disk and renames it over the target, so
 * a failed save leaves the previous checkpoint intact; the file gets the permissions the umask
 * gives. Loading checks the checksum and every name, type and shape before it changes anything,
 * so a bad file leaves the model untouched.
 */
public final class Checkpoint {
    static final byte[] MAGIC = "ANVILCKP".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "ANVILEND".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    private static final List<DType> TYPE_CODES = List.of(DType.FLOAT32, DType.INT32, DType.INT64);
    private static final String STEPS_KEY = "optimizer.steps";

    private Checkpoint() {}

    /** Writes the model (and the optimizer's state, if not null) with the given metadata. */
    public static void save(Path path, Layer model, Optimizer optimizer, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new TreeMap<>(metadata == null ? Map.of() : metadata);
        if (optimizer != null) meta.put(STEPS_KEY, Long.toString(optimizer.steps()));
        Map<String, Tensor> tensors = collect(model, optimizer);

        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = TensorIo.createSibling(path);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                CRC32 crc = new CRC32();
                ByteBuffer header = ByteBuffer.allocate(headerSize(meta)).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(VERSION).putInt(meta.size());
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    putString(header, e.getKey());
                    putString(header, e.getValue());
                }
                header.putInt(tensors.size());
                writeAll(ch, header.flip(), crc);
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    Tensor t = e.getValue();
                    ByteBuffer th = ByteBuffer.allocate(4 + utf8(e.getKey()).length + 8 + 8 * t.dim()).order(ByteOrder.LITTLE_ENDIAN);
                    putString(th, e.getKey());
                    th.putInt(TYPE_CODES.indexOf(t.dtype())).putInt(t.dim());
                    for (long d : t.shape()) th.putLong(d);
                    writeAll(ch, th.flip(), crc);
                    writeAll(ch, TensorIo.littleEndianBytes(t), crc);
                }
                ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                tail.putLong(crc.getValue()).put(END);
                writeAll(ch, tail.flip(), null);
                ch.force(true);
            }
            TensorIo.moveIntoPlace(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The metadata of a checkpoint, read (and its checksum verified) without a model. */
    public static Map<String, String> metadata(Path path) throws IOException {
        Map<String, String> meta = read(path).meta();
        meta.remove(STEPS_KEY);
        return meta;
    }

    /**
     * Restores the model (and the optimizer, if not null) from {@code path} and returns the
     * metadata. Throws {@link CheckpointException} for a corrupt or truncated file or one whose
     * tensors do not match the model, before changing anything.
     */
    public static Map<String, String> load(Path path, Layer model, Optimizer optimizer) throws IOException {
        Contents c = read(path);
        Map<String, ByteBuffer> data = c.data();
        Map<String, Tensor> targets = collect(model, optimizer);
        // Check everything first, then copy: a mismatch must leave the model as it was.
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            Tensor t = e.getValue();
            String key = e.getKey() + "#" + t.dtype() + t.shapeString();
            if (!data.containsKey(key)) {
                String found = data.keySet().stream().filter(k -> k.startsWith(e.getKey() + "#")).findFirst()
                        .map(k -> "it holds " + k.substring(k.indexOf('#') + 1)).orElse("it is missing");
                throw new CheckpointException(path, e.getKey(), path + " does not fit this model: " + e.getKey() + " should be "
                        + t.dtype() + t.shapeString() + " but " + found);
            }
        }
        if (optimizer == null) {
            // Loading only the model (for evaluation, say) ignores any optimizer state in the file.
            data.keySet().removeIf(k -> k.startsWith("optim/"));
        }
        if (data.size() != targets.size()) {
            String extra = data.keySet().stream().filter(k -> !targets.containsKey(k.substring(0, k.indexOf('#'))))
                    .findFirst().orElse("?");
            throw new CheckpointException(path, extra, path + " does not fit this model: it holds " + extra.replace('#', ' ')
                    + ", which the model (or optimizer) does not have");
        }
        Map<String, String> meta = c.meta();
        if (optimizer != null && !meta.containsKey(STEPS_KEY)) {
            throw new CheckpointException(path, STEPS_KEY, path + " holds no optimizer state");
        }
        long steps = optimizer == null ? 0 : parseSteps(meta.get(STEPS_KEY), path);
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            Tensor t = e.getValue();
            ByteBuffer src = data.get(e.getKey() + "#" + t.dtype() + t.shapeString());
            TensorIo.copyInto(t, src);
        }
        meta.remove(STEPS_KEY);
        if (optimizer != null) optimizer.setSteps(steps);
        return meta;
    }

    /** The metadata and the tensors' bytes of a verified file, tensors keyed "name#TYPE[dims]". */
    private record Contents(Map<String, String> meta, Map<String, ByteBuffer> data) {}

    private static Contents read(Path path) throws IOException {
        ByteBuffer buf = readVerified(path);
        int version = buf.getInt(MAGIC.length);
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, ByteBuffer> data = new LinkedHashMap<>();
        try {
            int metaCount = count(buf.getInt(), path, "metadata entries");
            for (int i = 0; i < metaCount; i++) meta.put(getString(buf, path), getString(buf, path));
            int tensorCount = count(buf.getInt(), path, "tensors");
            for (int i = 0; i < tensorCount; i++) {
                String name = getString(buf, path);
                String field = "tensor " + name;
                DType type = DType.FLOAT32;
                if (version >= 2) {
                    int code = buf.getInt();
                    if (code < 0 || code >= TYPE_CODES.size()) throw corrupt(path, field, "type code " + code);
                    type = TYPE_CODES.get(code);
                }
                int rank = buf.getInt();
                if (rank < 1 || rank > 8) throw corrupt(path, field, "rank " + rank + " (1 to 8 allowed)");
                long[] dims = new long[rank];
                for (int d = 0; d < rank; d++) dims[d] = buf.getLong();
                // Every dimension and the running element count stay within what the rest of the file
                // holds, so that no product can overflow and nothing is read beyond.
                long numel = 1, fits = buf.remaining() / type.bytes();
                for (int d = 0; d < rank; d++) {
                    if (dims[d] <= 0 || dims[d] > fits / numel) {
                        throw corrupt(path, field, "dimension " + d + " is " + dims[d] + ": with the dimensions before it, more"
                                + " elements than the " + buf.remaining() + " bytes left in the file hold");
                    }
                    numel *= dims[d];
                }
                int bytes = (int) (numel * type.bytes());
                ByteBuffer slice = buf.slice(buf.position(), bytes).order(ByteOrder.LITTLE_ENDIAN);
                buf.position(buf.position() + bytes);
                data.put(name + "#" + type + Arrays.toString(dims), slice);
            }
        } catch (BufferUnderflowException e) {
            throw corrupt(path, "contents", "they end early");
        }
        if (buf.remaining() != 0) throw corrupt(path, "contents", buf.remaining() + " unexpected bytes after the last tensor");
        return new Contents(meta, data);
    }

    private static long parseSteps(String text, Path path) throws CheckpointException {
        try {
            long steps = Long.parseLong(text);
            if (steps >= 0) return steps;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw corrupt(path, "optimizer step count", "'" + text + "' is not a count");
    }

    /** The model's state dict as "model/NAME" and the optimizer's state as "optim/PARAMETER NAME/KEY". */
    private static Map<String, Tensor> collect(Layer model, Optimizer optimizer) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.stateDict().forEach((name, t) -> out.put("model/" + name, t));
        if (optimizer != null) {
            Map<Parameter, String> names = new java.util.IdentityHashMap<>();
            model.namedParameters().forEach((name, p) -> names.put(p, name));
            List<Parameter> optParams = optimizer.parameters();
            for (int i = 0; i < optParams.size(); i++) {
                String pname = names.getOrDefault(optParams.get(i), "param" + i);
                for (Map.Entry<String, Tensor> s : optimizer.stateOf(i).entrySet()) {
                    out.put("optim/" + pname + "/" + s.getKey(), s.getValue());
                }
            }
        }
        return out;
    }

    private static ByteBuffer readVerified(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new CheckpointException(path, null, path + ": no such checkpoint file");
        long size = Files.size(path);
        int minimum = MAGIC.length + 12 + 16;
        if (size < minimum) throw corrupt(path, "size", "it is truncated (" + size + " bytes)");
        if (size > Integer.MAX_VALUE) throw corrupt(path, "size", "it is larger than 2 GiB");
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // keep reading
            }
        }
        buf.flip();
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) throw corrupt(path, "magic", "it is not an Anvil checkpoint");
        int version = buf.getInt();
        if (version < 1 || version > VERSION) {
            throw new CheckpointException(path, "version", path + " has checkpoint format version " + version
                    + "; this Anvil reads versions 1 to " + VERSION);
        }
        byte[] end = new byte[END.length];
        buf.get((int) size - END.length, end);
        if (!Arrays.equals(end, END)) throw corrupt(path, "end marker", "it is truncated (no end marker)");
        long stored = buf.getLong((int) size - 16);
        CRC32 crc = new CRC32();
        crc.update(buf.duplicate().position(0).limit((int) size - 16));
        if (crc.getValue() != stored) throw corrupt(path, "checksum", "it does not match (the file is damaged)");
        return buf.limit((int) size - 16);
    }

    private static CheckpointException corrupt(Path path, String field, String why) {
        return new CheckpointException(path, field, path + " is corrupt: " + field + ": " + why);
    }

    private static int count(int n, Path path, String what) throws CheckpointException {
        if (n < 0 || n > 1_000_000) throw corrupt(path, what, "bad count " + n);
        return n;
    }

    private static int headerSize(Map<String, String> meta) {
        int n = MAGIC.length + 4 + 4 + 4;
        for (Map.Entry<String, String> e : meta.entrySet()) n += 8 + utf8(e.getKey()).length + utf8(e.getValue()).length;
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = utf8(s);
        b.putInt(bytes.length).put(bytes);
    }

    private static String getString(ByteBuffer b, Path path) throws CheckpointException {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw corrupt(path, "string", "bad length " + n);
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeAll(FileChannel ch, ByteBuffer b, CRC32 crc) throws IOException {
        if (crc != null) crc.update(b.duplicate());
        while (b.hasRemaining()) ch.write(b);
    }
}
