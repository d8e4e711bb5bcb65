package dev.anvil;

/** Element types of tensors. Float32 is the default; int32 carries labels and indices. */
public enum DType {
    FLOAT32(4),
    INT32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
