package dev.anvil.federated;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The names and shapes of the float entries of a model's state dict, in state-dict order: what a
 * flat weight vector means. Two models can exchange weights when their layouts are equal; the
 * {@link #signature()} is a cheap check of that over the wire.
 */
public final class WeightLayout {
    private final List<String> names;
    private final List<long[]> shapes;
    private final int numel;

    public WeightLayout(List<String> names, List<long[]> shapes) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(shapes, "shapes");
        if (names.size() != shapes.size()) throw new IllegalArgumentException(names.size() + " names but " + shapes.size() + " shapes");
        this.names = List.copyOf(names);
        List<long[]> copy = new ArrayList<>();
        long n = 0;
        for (long[] s : shapes) {
            long e = 1;
            for (long d : s) {
                if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(s));
                e = Math.multiplyExact(e, d);
            }
            n += e;
            copy.add(s.clone());
        }
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("model too large for one weight vector: " + n + " values");
        this.shapes = List.copyOf(copy);
        this.numel = (int) n;
    }

    /** Entry names, in order. */
    public List<String> names() {
        return names;
    }

    /** Shape of entry {@code i} (a copy). */
    public long[] shape(int i) {
        return shapes.get(i).clone();
    }

    /** Number of entries. */
    public int entries() {
        return names.size();
    }

    /** Total number of values. */
    public int numel() {
        return numel;
    }

    /** A CRC-32 of the names and shapes: equal layouts have equal signatures. */
    public long signature() {
        CRC32 crc = new CRC32();
        for (int i = 0; i < names.size(); i++) {
            crc.update(names.get(i).getBytes(StandardCharsets.UTF_8));
            crc.update(Arrays.toString(shapes.get(i)).getBytes(StandardCharsets.UTF_8));
        }
        return crc.getValue();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WeightLayout)) return false;
        WeightLayout w = (WeightLayout) o;
        if (!names.equals(w.names)) return false;
        for (int i = 0; i < shapes.size(); i++) if (!Arrays.equals(shapes.get(i), w.shapes.get(i))) return false;
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(signature());
    }

    @Override
    public String toString() {
        return entries() + " tensors, " + numel + " values";
    }
}
