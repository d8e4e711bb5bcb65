package dev.anvil.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Layer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the safetensors format of Hugging Face, in which PyTorch state dicts travel:
 * an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON mapping each tensor name
 * to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the end of the
 * header) plus an optional {@code "__metadata__"} object of strings, then the tensors' raw
 * little-endian row-major bytes, with no gaps and no overlaps.
 *
 * <p>Anvil holds F32, I32 and I64 tensors; a file may declare any of the format's types (its header
 * can be read with {@link #readHeader}), but only these three load. Every declared size is checked
 * against the file before anything is allocated, and a bad file fails with a
 * {@link FileFormatException} that names the file and the entry at fault.
 *
 * <pre>{@code
 * try (Sequential model = Models.fashionMnistCnn()) {
 *     SafeTensors.load(Path.of("fmnist_cnn.safetensors"), model, true); // PyTorch's state_dict names
 *     SafeTensors.save(Path.of("out.safetensors"), model, Map.of("format", "pt"));
 * }
 * }</pre>
 */
public final class SafeTensors {
    /** The largest header accepted, as the format's reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    /** The format's element types and their sizes in bytes. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    private static final ObjectMapper JSON =
            new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private SafeTensors() {}

    /** One tensor's header entry: its type name as the format spells it ("F32"), shape and byte range in the data. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements (1 for a scalar, shape {@code []}). */
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " at [" + begin + ", " + end + ")";
        }
    }

    /**
     * A file's checked header: entries in the order of the file's JSON, metadata, and where the
     * data starts (8 + header length).
     */
    public record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {}

    /** Tensors read from a file, owned by this object: closing it closes them. */
    public static final class Contents implements AutoCloseable {
        private final Path file;
        private final Map<String, Tensor> tensors;
        private final Map<String, String> metadata;

        private Contents(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
            this.file = file;
            this.tensors = Collections.unmodifiableMap(tensors);
            this.metadata = metadata;
        }

        /** Every tensor by name, in the file's order. */
        public Map<String, Tensor> tensors() {
            return tensors;
        }

        /** The file's {@code __metadata__} (empty if it has none). */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** The tensor called {@code name}; throws IllegalArgumentException naming the ones there are if absent. */
        public Tensor get(String name) {
            Tensor t = tensors.get(Objects.requireNonNull(name, "name"));
            if (t == null) {
                throw new IllegalArgumentException(file + " holds no tensor '" + name + "'; it holds " + tensors.keySet());
            }
            return t;
        }

        @Override
        public void close() {
            tensors.values().forEach(Tensor::close);
        }
    }

    // ------------------------------------------------------------------ model state

    /**
     * Writes the model's state dict ({@link Layer#stateDict()}: parameters and buffers, by
     * PyTorch's names) with the given metadata (may be null).
     */
    public static void save(Path path, Layer model, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(model, "model");
        write(path, model.stateDict(), metadata);
    }

    /**
     * Copies the tensors of {@code path} into the model's parameters and buffers
     * ({@link Layer#loadStateDict}) and returns the file's metadata. With {@code strict}, every
     * name of the model must be in the file and every name of the file in the model. Nothing is
     * changed when the file is bad or does not fit.
     *
     * @throws FileFormatException for a corrupt file, or one that does not fit the model (the message
     *     names each tensor whose name, type or shape does not fit)
     */
    public static Map<String, String> load(Path path, Layer model, boolean strict) throws IOException {
        Objects.requireNonNull(model, "model");
        try (Contents c = read(path)) {
            try {
                model.loadStateDict(c.tensors(), strict);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(path, null, path + " does not fit model " + model.name() + ": " + e.getMessage());
            }
            return c.metadata();
        }
    }

    // ------------------------------------------------------------------ tensors

    /**
     * Writes {@code tensors} (F32, I32 or I64; on any device) in the map's order with optional
     * string metadata. The file is written beside {@code path}, forced to disk and moved over it,
     * so a failed write leaves any previous file intact; it gets the permissions the umask gives.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tensors, "tensors");
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> meta.put(Objects.requireNonNull(k, "metadata key"),
                    Objects.requireNonNull(v, () -> "metadata value of " + k)));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor names must not be empty");
            if (name.equals(METADATA_KEY)) throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved for metadata");
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            if (t.isClosed()) throw new IllegalArgumentException("tensor '" + name + "' is closed");
            long bytes = t.numel() * t.dtype().bytes();
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtypeName(t.dtype()));
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad the header with spaces so that the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');

        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = TensorIo.createSibling(path);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head.flip());
                for (Tensor t : tensors.values()) writeAll(ch, TensorIo.littleEndianBytes(t));
                ch.force(true);
            }
            TensorIo.moveIntoPlace(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads every tensor of the file into new CPU tensors (closed with the returned object).
     *
     * @throws FileFormatException for a corrupt or truncated file, or a tensor of a type Anvil does
     *     not hold (anything but F32, I32, I64) or with no elements
     */
    public static Contents read(Path path) throws IOException {
        Header header = readHeader(path);
        for (Entry e : header.entries().values()) {
            anvilType(path, e);
            if (e.numel() == 0) {
                throw new FileFormatException(path, "tensor " + e.name(), path + ": tensor " + e.name() + " has shape "
                        + Arrays.toString(e.shape) + " with no elements; Anvil's tensors cannot be empty");
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        boolean done = false;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            for (Entry e : header.entries().values()) {
                long bytes = e.end() - e.begin();
                if (bytes > Integer.MAX_VALUE) {
                    throw new FileFormatException(path, "tensor " + e.name(), path + ": tensor " + e.name() + " holds " + bytes
                            + " bytes; Anvil reads tensors of up to 2 GiB from safetensors");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) bytes);
                long at = header.dataStart() + e.begin();
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, at + buf.position());
                    if (n < 0) throw corrupt(path, "tensor " + e.name(), "the file ends inside its data");
                }
                Tensor t = Tensor.emptyUnscoped(anvilType(path, e), e.shape);
                out.put(e.name(), t);
                TensorIo.copyInto(t, buf.flip());
            }
            done = true;
        } finally {
            if (!done) out.values().forEach(Tensor::close);
        }
        return new Contents(path, out, header.metadata());
    }

    /**
     * Reads and checks the header without reading the data: the length field, the JSON, every
     * entry's type, shape and offsets (each tensor's byte count is its element count times its
     * type's size; sorted by offset, the tensors cover the data exactly, without gaps or overlaps).
     */
    public static Header readHeader(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.isRegularFile(path)) throw new FileFormatException(path, null, path + ": no such safetensors file");
        long size = Files.size(path);
        if (size < 8) throw corrupt(path, "header length", "it is truncated (" + size + " bytes; the 8-byte header length is missing)");
        byte[] json;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, path);
            long n = len.flip().getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw corrupt(path, "header length", "it declares a header of " + Long.toUnsignedString(n)
                        + " bytes, more than the " + MAX_HEADER_BYTES + " allowed");
            }
            if (n < 2) throw corrupt(path, "header length", "it declares a header of " + n + " bytes, too small for a JSON object");
            if (n > size - 8) {
                throw corrupt(path, "header length", "it declares a header of " + n + " bytes but only " + (size - 8)
                        + " bytes follow (truncated)");
            }
            ByteBuffer h = ByteBuffer.allocate((int) n);
            readFully(ch, h, 8, path);
            json = h.array();
        }
        if (json[0] != '{') throw corrupt(path, "header", "it does not start with '{'");
        JsonNode root;
        try {
            root = JSON.readTree(new String(json, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw corrupt(path, "header", "it is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw corrupt(path, "header", "it is not a JSON object");
        long dataStart = 8 + json.length;
        long dataBytes = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA_KEY)) {
                if (!f.getValue().isObject()) throw corrupt(path, METADATA_KEY, "it is not an object of strings");
                for (Iterator<Map.Entry<String, JsonNode>> m = f.getValue().fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw corrupt(path, METADATA_KEY, "value of '" + kv.getKey() + "' is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
            } else {
                entries.put(f.getKey(), entry(path, f.getKey(), f.getValue(), dataBytes));
            }
        }
        // Sorted by offset, each tensor starts where the one before it ends and the last ends at the end of the file.
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw corrupt(path, "tensor " + e.name(), "its data_offsets [" + e.begin() + ", " + e.end() + ") overlap those of "
                        + previous.name() + " [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (e.begin() > expected) {
                throw corrupt(path, "tensor " + e.name(), "bytes [" + expected + ", " + e.begin() + ") before it belong to no tensor");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataBytes) {
            throw corrupt(path, "data", expected < dataBytes
                    ? (dataBytes - expected) + " bytes after the last tensor belong to no tensor"
                    : "the tensors need " + expected + " bytes of data but the file holds " + dataBytes + " (truncated)");
        }
        return new Header(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static Entry entry(Path path, String name, JsonNode node, long dataBytes) throws FileFormatException {
        String field = "tensor " + name;
        if (!node.isObject()) throw corrupt(path, field, "its entry is not an object");
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) throw corrupt(path, field, "it has no \"dtype\" string");
        Integer elementBytes = DTYPE_BYTES.get(dtype.textValue());
        if (elementBytes == null) {
            throw corrupt(path, field, "unknown dtype \"" + dtype.textValue() + "\" (the format's types: "
                    + DTYPE_BYTES.keySet().stream().sorted().toList() + ")");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw corrupt(path, field, "it has no \"shape\" array");
        long[] shape = new long[shapeNode.size()];
        // The element count stays within what the data holds, so the products below cannot overflow.
        long numel = 1, fits = dataBytes / elementBytes;
        for (int d = 0; d < shape.length; d++) {
            JsonNode v = shapeNode.get(d);
            if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
                throw corrupt(path, field, "shape " + shapeNode + ": dimension " + d + " is not a non-negative integer");
            }
            shape[d] = v.asLong();
            if (numel != 0 && shape[d] > fits / numel) {
                throw corrupt(path, field, "shape " + shapeNode + " has more elements of " + dtype.textValue() + " than the "
                        + dataBytes + " bytes of data hold");
            }
            numel *= shape[d];
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw corrupt(path, field, "it has no \"data_offsets\" pair [begin, end]");
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode v = offsets.get(i);
            if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
                throw corrupt(path, field, "data_offsets " + offsets + " are not non-negative integers");
            }
            be[i] = v.asLong();
        }
        if (be[1] < be[0]) throw corrupt(path, field, "data_offsets " + offsets + " end before they begin");
        if (be[1] > dataBytes) {
            throw corrupt(path, field, "data_offsets " + offsets + " reach past the " + dataBytes + " bytes of data (truncated)");
        }
        if (be[1] - be[0] != numel * elementBytes) {
            throw corrupt(path, field, "data_offsets " + offsets + " span " + (be[1] - be[0]) + " bytes but " + dtype.textValue()
                    + Arrays.toString(shape) + " needs " + numel * elementBytes);
        }
        return new Entry(name, dtype.textValue(), shape, be[0], be[1]);
    }

    /** The format's name of an Anvil type. */
    static String dtypeName(DType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case INT32 -> "I32";
            case INT64 -> "I64";
        };
    }

    private static DType anvilType(Path path, Entry e) throws FileFormatException {
        return switch (e.dtype()) {
            case "F32" -> DType.FLOAT32;
            case "I32" -> DType.INT32;
            case "I64" -> DType.INT64;
            default -> throw new FileFormatException(path, "tensor " + e.name(), path + ": tensor " + e.name() + " is "
                    + e.dtype() + "; Anvil reads F32, I32 and I64 tensors (convert it, e.g. with tensor.float() in PyTorch)");
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at, Path path) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw corrupt(path, "header", "the file ends inside it");
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static FileFormatException corrupt(Path path, String field, String why) {
        return new FileFormatException(path, field, path + " is not a valid safetensors file: " + field + ": " + why);
    }
}
