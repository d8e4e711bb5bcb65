package dev.anvil.distributed;

/** How {@link ProcessGroup#allReduce} combines the ranks' values element by element. */
public enum ReduceOp {
    /** The sum over ranks, added in rank order 0, 1, 2, ... */
    SUM,
    /** The sum over ranks (in rank order) divided by the world size. */
    AVG
}
