package dev.anvil.distributed;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * One rank's call of a collective: what error messages say about it.
 *
 * @param rank the calling rank
 * @param sequence the call's sequence number in its group, counting from 0
 * @param operation the operation and its arguments, e.g. {@code allReduce(SUM)}
 * @param bytes the size of its data in bytes
 */
record CollectiveCall(int rank, long sequence, String operation, long bytes) {
    /** "rank 0: allReduce(SUM) #12 of 4096 bytes". */
    String describe() {
        return "rank " + rank + ": " + operation + " #" + sequence + " of " + bytes + " bytes";
    }

    /** The float data of a collective's tensor (checked: not null, FLOAT32, open). */
    static FloatBuffer floats(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        t.requireType(DType.FLOAT32);
        if (t.device().type() != dev.anvil.Device.Type.CPU) {
            throw new IllegalArgumentException("this backend reduces tensors in host memory, got one on " + t.device()
                    + "; GPU tensors need the nccl backend");
        }
        return t.floatBuffer();
    }
}
