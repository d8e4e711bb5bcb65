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
 * typedef struct anvil_adam_desc {
 *     float lr, beta1, beta2, eps, weight_decay;
 *     int32_t decoupled;
 * } anvil_adam_desc;
 * }
 */
public class anvil_adam_desc {

    anvil_adam_desc() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        anvil_h.C_FLOAT.withName("lr"),
        anvil_h.C_FLOAT.withName("beta1"),
        anvil_h.C_FLOAT.withName("beta2"),
        anvil_h.C_FLOAT.withName("eps"),
        anvil_h.C_FLOAT.withName("weight_decay"),
        anvil_h.C_INT.withName("decoupled")
    ).withName("anvil_adam_desc");

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

    private static final OfFloat beta1$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("beta1"));

    /**
     * Layout for field beta1
     */
    public static final OfFloat beta1$layout() {
        return beta1$LAYOUT;
    }

    private static final long beta1$OFFSET = 4;

    /**
     * Offset for field beta1
     */
    public static final long beta1$offset() {
        return beta1$OFFSET;
    }

    /**
     * Getter for field beta1
     */
    public static float beta1(MemorySegment struct) {
        return struct.get(beta1$LAYOUT, beta1$OFFSET);
    }

    /**
     * Setter for field beta1
     */
    public static void beta1(MemorySegment struct, float fieldValue) {
        struct.set(beta1$LAYOUT, beta1$OFFSET, fieldValue);
    }

    private static final OfFloat beta2$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("beta2"));

    /**
     * Layout for field beta2
     */
    public static final OfFloat beta2$layout() {
        return beta2$LAYOUT;
    }

    private static final long beta2$OFFSET = 8;

    /**
     * Offset for field beta2
     */
    public static final long beta2$offset() {
        return beta2$OFFSET;
    }

    /**
     * Getter for field beta2
     */
    public static float beta2(MemorySegment struct) {
        return struct.get(beta2$LAYOUT, beta2$OFFSET);
    }

    /**
     * Setter for field beta2
     */
    public static void beta2(MemorySegment struct, float fieldValue) {
        struct.set(beta2$LAYOUT, beta2$OFFSET, fieldValue);
    }

    private static final OfFloat eps$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("eps"));

    /**
     * Layout for field eps
     */
    public static final OfFloat eps$layout() {
        return eps$LAYOUT;
    }

    private static final long eps$OFFSET = 12;

    /**
     * Offset for field eps
     */
    public static final long eps$offset() {
        return eps$OFFSET;
    }

    /**
     * Getter for field eps
     */
    public static float eps(MemorySegment struct) {
        return struct.get(eps$LAYOUT, eps$OFFSET);
    }

    /**
     * Setter for field eps
     */
    public static void eps(MemorySegment struct, float fieldValue) {
        struct.set(eps$LAYOUT, eps$OFFSET, fieldValue);
    }

    private static final OfFloat weight_decay$LAYOUT = (OfFloat)$LAYOUT.select(groupElement("weight_decay"));

    /**
     * Layout for field weight_decay
     */
    public static final OfFloat weight_decay$layout() {
        return weight_decay$LAYOUT;
    }

    private static final long weight_decay$OFFSET = 16;

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

    private static final OfInt decoupled$LAYOUT = (OfInt)$LAYOUT.select(groupElement("decoupled"));

    /**
     * Layout for field decoupled
     */
    public static final OfInt decoupled$layout() {
        return decoupled$LAYOUT;
    }

    private static final long decoupled$OFFSET = 20;

    /**
     * Offset for field decoupled
     */
    public static final long decoupled$offset() {
        return decoupled$OFFSET;
    }

    /**
     * Getter for field decoupled
     */
    public static int decoupled(MemorySegment struct) {
        return struct.get(decoupled$LAYOUT, decoupled$OFFSET);
    }

    /**
     * Setter for field decoupled
     */
    public static void decoupled(MemorySegment struct, int fieldValue) {
        struct.set(decoupled$LAYOUT, decoupled$OFFSET, fieldValue);
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
