// Laid out like jextract's output for bindings/include/anvil.h (bindings/jextract.sh regenerates it
// where jextract is installed). Kept to what the binding uses: no downcall tracing, no typedefs.
package dev.anvil.ffm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout.OfFloat;
import java.lang.foreign.ValueLayout.OfInt;

/**
 * {@snippet lang=c :
 * typedef struct anvil_sgd_desc {
 *     float lr, momentum, dampening, weight_decay;
 *     int32_t nesterov;
 *     int32_t reserved;
 * } anvil_sgd_desc;
 * }
 */
public class anvil_sgd_desc {

    anvil_sgd_desc() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        anvil_h.C_FLOAT.withName("lr"),
        anvil_h.C_FLOAT.withName("momentum"),
        anvil_h.C_FLOAT.withName("dampening"),
        anvil_h.C_FLOAT.withName("weight_decay"),
        anvil_h.C_INT.withName("nesterov"),
        anvil_h.C_INT.withName("reserved")
    ).withName("anvil_sgd_desc");

    /**
     * The layout of this struct
     */
    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    private static final OfFloat lr$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("lr"));

    /**
     * Layout for field lr
     */
    public static final OfFloat lr$layout() {
        return lr$LAYOUT;
    }

    private static final long lr$OFFSET = 0;

    /**
     * Offset for field lr
     */
    public static final long lr$offset() {
        return lr$OFFSET;
    }

    /**
     * Getter for field lr
     */
    public static float lr(MemorySegment struct) {
        return struct.get(lr$LAYOUT, lr$OFFSET);
    }

    /**
     * Setter for field lr
     */
    public static void lr(MemorySegment struct, float fieldValue) {
        struct.set(lr$LAYOUT, lr$OFFSET, fieldValue);
    }

    private static final OfFloat momentum$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("momentum"));

    /**
     * Layout for field momentum
     */
    public static final OfFloat momentum$layout() {
        return momentum$LAYOUT;
    }

    private static final long momentum$OFFSET = 4;

    /**
     * Offset for field momentum
     */
    public static final long momentum$offset() {
        return momentum$OFFSET;
    }

    /**
     * Getter for field momentum
     */
    public static float momentum(MemorySegment struct) {
        return struct.get(momentum$LAYOUT, momentum$OFFSET);
    }

    /**
     * Setter for field momentum
     */
    public static void momentum(MemorySegment struct, float fieldValue) {
        struct.set(momentum$LAYOUT, momentum$OFFSET, fieldValue);
    }

    private static final OfFloat dampening$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("dampening"));

    /**
     * Layout for field dampening
     */
    public static final OfFloat dampening$layout() {
        return dampening$LAYOUT;
    }

    private static final long dampening$OFFSET = 8;

    /**
     * Offset for field dampening
     */
    public static final long dampening$offset() {
        return dampening$OFFSET;
    }

    /**
     * Getter for field dampening
     */
    public static float dampening(MemorySegment struct) {
        return struct.get(dampening$LAYOUT, dampening$OFFSET);
    }

    /**
     * Setter for field dampening
     */
    public static void dampening(MemorySegment struct, float fieldValue) {
        struct.set(dampening$LAYOUT, dampening$OFFSET, fieldValue);
    }

    private static final OfFloat weight_decay$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("weight_decay"));

    /**
     * Layout for field weight_decay
     */
    public static final OfFloat weight_decay$layout() {
        return weight_decay$LAYOUT;
    }

    private static final long weight_decay$OFFSET = 12;

    /**
     * Offset for field weight_decay
     */
    public static final long weight_decay$offset() {
        return weight_decay$OFFSET;
    }

    /**
     * Getter for field weight_decay
     */
    public static float weight_decay(MemorySegment struct) {
        return struct.get(weight_decay$LAYOUT, weight_decay$OFFSET);
    }

    /**
     * Setter for field weight_decay
     */
    public static void weight_decay(MemorySegment struct, float fieldValue) {
        struct.set(weight_decay$LAYOUT, weight_decay$OFFSET, fieldValue);
    }

    private static final OfInt nesterov$LAYOUT = (OfInt)$LAYOUT.select(groupElement("nesterov"));

    /**
     * Layout for field nesterov
     */
    public static final OfInt nesterov$layout() {
        return nesterov$LAYOUT;
    }

    private static final long nesterov$OFFSET = 16;

    /**
     * Offset for field nesterov
     */
    public static final long nesterov$offset() {
        return nesterov$OFFSET;
    }

    /**
     * Getter for field nesterov
     */
    public static int nesterov(MemorySegment struct) {
        return struct.get(nesterov$LAYOUT, nesterov$OFFSET);
    }

    /**
     * Setter for field nesterov
     */
    public static void nesterov(MemorySegment struct, int fieldValue) {
        struct.set(nesterov$LAYOUT, nesterov$OFFSET, fieldValue);
    }

    private static final OfInt reserved$LAYOUT = (OfInt)$LAYOUT.select(groupElement("reserved"));

    /**
     * Layout for field reserved
     */
    public static final OfInt reserved$layout() {
        return reserved$LAYOUT;
    }

    private static final long reserved$OFFSET = 20;

    /**
     * Offset for field reserved
     */
    public static final long reserved$offset() {
        return reserved$OFFSET;
    }

    /**
     * Getter for field reserved
     */
    public static int reserved(MemorySegment struct) {
        return struct.get(reserved$LAYOUT, reserved$OFFSET);
    }

    /**
     * Setter for field reserved
     */
    public static void reserved(MemorySegment struct, int fieldValue) {
        struct.set(reserved$LAYOUT, reserved$OFFSET, fieldValue);
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
