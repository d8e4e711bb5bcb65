// Laid out like jextract's output for bindings/include/anvil.h (bindings/jextract.sh regenerates it
// where jextract is installed). Kept to what the binding uses: no downcall tracing, no typedefs.
package dev.anvil.ffm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout.OfLong;

/**
 * {@snippet lang=c :
 * typedef struct anvil_linear_desc {
 *     int64_t batch, in_features, out_features;
 * } anvil_linear_desc;
 * }
 */
public class anvil_linear_desc {

    anvil_linear_desc() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        anvil_h.C_LONG.withName("batch"),
        anvil_h.C_LONG.withName("in_features"),
        anvil_h.C_LONG.withName("out_features")
    ).withName("anvil_linear_desc");

    /**
     * The layout of this struct
     */
    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    private static final OfLong batch$LAYOUT = (OfLong)$LAYOUT.select(groupElement("batch"));

    /**
     * Layout for field batch
     */
    public static final OfLong batch$layout() {
        return batch$LAYOUT;
    }

    private static final long batch$OFFSET = 0;

    /**
     * Offset for field batch
     */
    public static final long batch$offset() {
        return batch$OFFSET;
    }

    /**
     * Getter for field batch
     */
    public static long batch(MemorySegment struct) {
        return struct.get(batch$LAYOUT, batch$OFFSET);
    }

    /**
     * Setter for field batch
     */
    public static void batch(MemorySegment struct, long fieldValue) {
        struct.set(batch$LAYOUT, batch$OFFSET, fieldValue);
    }

    private static final OfLong in_features$LAYOUT = (OfLong)$LAYOUT.select(groupElement("in_features"));

    /**
     * Layout for field in_features
     */
    public static final OfLong in_features$layout() {
        return in_features$LAYOUT;
    }

    private static final long in_features$OFFSET = 8;

    /**
     * Offset for field in_features
     */
    public static final long in_features$offset() {
        return in_features$OFFSET;
    }

    /**
     * Getter for field in_features
     */
    public static long in_features(MemorySegment struct) {
        return struct.get(in_features$LAYOUT, in_features$OFFSET);
    }

    /**
     * Setter for field in_features
     */
    public static void in_features(MemorySegment struct, long fieldValue) {
        struct.set(in_features$LAYOUT, in_features$OFFSET, fieldValue);
    }

    private static final OfLong out_features$LAYOUT = (OfLong)$LAYOUT.select(groupElement("out_features"));

    /**
     * Layout for field out_features
     */
    public static final OfLong out_features$layout() {
        return out_features$LAYOUT;
    }

    private static final long out_features$OFFSET = 16;

    /**
     * Offset for field out_features
     */
    public static final long out_features$offset() {
        return out_features$OFFSET;
    }

    /**
     * Getter for field out_features
     */
    public static long out_features(MemorySegment struct) {
        return struct.get(out_features$LAYOUT, out_features$OFFSET);
    }

    /**
     * Setter for field out_features
     */
    public static void out_features(MemorySegment struct, long fieldValue) {
        struct.set(out_features$LAYOUT, out_features$OFFSET, fieldValue);
    }

    /**
     * The size (in bytes) of this struct
     */
    public static long sizeof() { return layout().byteSize(); }

    /**
     * Allocate a segment of size {@code layout().byteSize()} using {@code allocator}
     */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(layout());
    }
}
