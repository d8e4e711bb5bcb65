package dev.anvil.internal;

/**
 * The fields of {@code anvil_allocator_stats} in {@code anvil.h}, an output of anvil_context_allocator_stats, as a plain Java value that every
 * {@link Binding} fills from its native struct. Accessors are named like the C fields.
 */
public final class AllocatorStats {
    private long allocated;
    private long reserved;
    private long peakAllocated;
    private long allocations;
    private long cacheHits;

    AllocatorStats() {}

    /** Sets every field, in the C struct's order; used by the bindings. */
    void set(long allocated, long reserved, long peakAllocated, long allocations, long cacheHits) {
        this.allocated = allocated;
        this.reserved = reserved;
        this.peakAllocated = peakAllocated;
        this.allocations = allocations;
        this.cacheHits = cacheHits;
    }

    public long allocated() {
        return allocated;
    }

    public long reserved() {
        return reserved;
    }

    public long peak_allocated() {
        return peakAllocated;
    }

    public long allocations() {
        return allocations;
    }

    public long cache_hits() {
        return cacheHits;
    }
}
