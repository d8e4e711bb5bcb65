package dev.anvil.internal;

/**
 * The fields of {@code anvil_cuda_device_props} in {@code anvil.h}, an output of anvil_cuda_device_props_get, as a plain Java value that every
 * {@link Binding} fills from its native struct. Accessors are named like the C fields.
 */
public final class CudaDeviceProps {
    private String name;
    private long totalMemory;
    private int major;
    private int minor;
    private int multiprocessors;
    private int driverVersion;
    private int runtimeVersion;
    private int reserved;

    CudaDeviceProps() {}

    /** Sets every field, in the C struct's order; used by the bindings. */
    void set(String name, long totalMemory, int major, int minor, int multiprocessors, int driverVersion, int runtimeVersion, int reserved) {
        this.name = name;
        this.totalMemory = totalMemory;
        this.major = major;
        this.minor = minor;
        this.multiprocessors = multiprocessors;
        this.driverVersion = driverVersion;
        this.runtimeVersion = runtimeVersion;
        this.reserved = reserved;
    }

    public String name() {
        return name;
    }

    public long total_memory() {
        return totalMemory;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    public int driver_version() {
        return driverVersion;
    }

    public int runtime_version() {
        return runtimeVersion;
    }

    public int reserved() {
        return reserved;
    }
}
