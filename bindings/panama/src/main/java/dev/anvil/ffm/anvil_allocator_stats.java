// Laid out like jextract's output for bindings/include/anvil.h (bindings/jextract.sh regenerates it
// where jextract is installed). Kept to what the binding uses: an output struct, so getters only.
package dev.anvil.ffm;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * {@snippet lang=c :
 * typedef struct anvil_allocator_stats {
 *     int64_t allocated;
 *     int64_t reserved;
 *     int64_t peak_allocated;
 *     int64_t allocations;
 *     int64_t cache_hits;
 * } anvil_allocator_stats;
 * }
 */
public class anvil_allocator_stats {

    anvil_allocator_stats() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        anvil_h.C_LONG.withName("allocated"),
        anvil_h.C_LONG.withName("reserved"),
        anvil_h.C_LONG.withName("peak_allocated"),
        anvil_h.C_LONG.withName("allocations"),
        anvil_h.C_LONG.withName("cache_hits")
    ).withName("anvil_allocator_stats");

    /**
     * The layout of this struct
     */
    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    /**
     * Size of this struct in bytes
     */
    public static long sizeof() {
        return layout().byteSize();
    }

    private static final long allocated$OFFSET = 0;

    /**
     * Getter for field allocated
     */
    public static long allocated(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, allocated$OFFSET);
    }

    private static final long reserved$OFFSET = 8;

    /**
     * Getter for field reserved
     */
    public static long reserved(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, reserved$OFFSET);
    }

    private static final long peak_allocated$OFFSET = 16;

    /**
     * Getter for field peak_allocated
     */
    public static long peak_allocated(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, peak_allocated$OFFSET);
    }

    private static final long allocations$OFFSET = 24;

    /**
     * Getter for field allocations
     */
    public static long allocations(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, allocations$OFFSET);
    }

    private static final long cache_hits$OFFSET = 32;

    /**
     * Getter for field cache_hits
     */
    public static long cache_hits(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, cache_hits$OFFSET);
    }
}
