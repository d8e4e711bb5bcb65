package dev.anvil.distributed;

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
}
