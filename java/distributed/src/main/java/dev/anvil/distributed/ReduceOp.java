package dev.anvil.distributed;

/**
 * How {@link ProcessGroup#allReduce} combines the ranks' values element by element. The order of
 * the additions is fixed by the backend (rank order for {@link LocalProcessGroup}, ring order for
 * {@link TcpProcessGroup}), never by timing, so every rank gets bit-identical results.
 */
public enum ReduceOp {
    /** The sum over ranks. */
    SUM,
    /** The sum over ranks divided by the world size. */
    AVG
}
