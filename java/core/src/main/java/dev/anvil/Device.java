package dev.anvil;

import java.util.Objects;

/**
 * Where a tensor's memory lives and where its operations run. The CPU is always available and
 * is the default; {@code Device.cuda(i)} is the i-th GPU where the CUDA backend is usable.
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
        String why = cudaUnavailableReason();
        if (why != null) throw new UnsupportedOperationException("cuda:" + index + " is not usable: " + why);
        int count = dev.anvil.internal.Native.cudaDeviceCount();
        if (index >= count) {
            throw new IllegalArgumentException("cuda:" + index + " does not exist: this machine has " + count
                    + " CUDA device(s), cuda:0 to cuda:" + (count - 1));
        }
        return new Device(Type.CUDA, index);
    }

    /** Whether CUDA can be used in this process (see {@link #cudaUnavailableReason()}). */
    public static boolean cudaAvailable() {
        return cudaUnavailableReason() == null;
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

    /**
     * Why CUDA cannot be used in this process (no CUDA backend in this build, no driver, no
     * device), or null if it can.
     */
    public static String cudaUnavailableReason() {
        return dev.anvil.internal.Native.cudaUnavailableReason();
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
