package dev.anvil;

import java.util.Objects;

/**
 * Where a tensor's memory lives and where its operations run. The CPU is always available and
 * is the default.
 */
public final class Device {
    /** The kind of device. */
    public enum Type { CPU, CUDA }

    private static final Device CPU = new Device(Type.CPU, 0);

    private final Type type;
    private final int index;

    private Device(Type type, int index) {
        this.type = type;
        this.index = index;
    }

    public static Device cpu() {
        return CPU;
    }

    /**
     * The CUDA device {@code index}. Fails at once, saying why, where CUDA cannot be used: there is
     * no silent fall-back to the CPU.
     */
    public static Device cuda(int index) {
        if (index < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        throw new UnsupportedOperationException("cuda:" + index + " is not usable: " + cudaUnavailableReason());
    }

    /** Parses "cpu", "cuda" or "cuda:N". */
    public static Device parse(String text) {
        String t = Objects.requireNonNull(text, "device").trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return cpu();
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + text + "': expected cpu, cuda or cuda:N");
            }
        }
        throw new IllegalArgumentException("bad device '" + text + "': expected cpu, cuda or cuda:N");
    }

    /** Why CUDA cannot be used in this process, or null if it can. */
    public static String cudaUnavailableReason() {
        String why = dev.anvil.internal.Native.cudaUnavailableReason();
        if (why != null) return why;
        return "the Java API has no CUDA tensors yet (the native CUDA backend sees "
                + dev.anvil.internal.Native.cudaDeviceCount() + " device(s))";
    }

    public Type type() {
        return type;
    }

    public int index() {
        return index;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device d && d.type == type && d.index == index;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
