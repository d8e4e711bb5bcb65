package dev.anvil;

/**
 * Element types of tensors. Float32 is the default; int32 carries labels and indices; int64 holds
 * counters that PyTorch keeps as int64 (BatchNorm's num_batches_tracked).
 */
public enum DType {
    FLOAT32(4),
    INT32(4),
    INT64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
