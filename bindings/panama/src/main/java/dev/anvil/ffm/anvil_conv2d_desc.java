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
 * typedef struct anvil_conv2d_desc {
 *     int64_t batch;
 *     int64_t in_channels, in_h, in_w;
 *     int64_t out_channels;
 *     int64_t kernel_h, kernel_w;
 *     int64_t stride_h, stride_w;
 *     int64_t pad_h, pad_w;
 *     int64_t dilation_h, dilation_w;
 *     int64_t groups;
 * } anvil_conv2d_desc;
 * }
 */
public class anvil_conv2d_desc {

    anvil_conv2d_desc() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        anvil_h.C_LONG.withName("batch"),
        anvil_h.C_LONG.withName("in_channels"),
        anvil_h.C_LONG.withName("in_h"),
        anvil_h.C_LONG.withName("in_w"),
        anvil_h.C_LONG.withName("out_channels"),
        anvil_h.C_LONG.withName("kernel_h"),
        anvil_h.C_LONG.withName("kernel_w"),
        anvil_h.C_LONG.withName("stride_h"),
        anvil_h.C_LONG.withName("stride_w"),
        anvil_h.C_LONG.withName("pad_h"),
        anvil_h.C_LONG.withName("pad_w"),
        anvil_h.C_LONG.withName("dilation_h"),
        anvil_h.C_LONG.withName("dilation_w"),
        anvil_h.C_LONG.withName("groups")
    ).withName("anvil_conv2d_desc");

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

    private static final OfLong in_channels$LAYOUT = (OfLong)$LAYOUT.select(groupElement("in_channels"));

    /**
     * Layout for field in_channels
     */
    public static final OfLong in_channels$layout() {
        return in_channels$LAYOUT;
    }

    private static final long in_channels$OFFSET = 8;

    /**
     * Offset for field in_channels
     */
    public static final long in_channels$offset() {
        return in_channels$OFFSET;
    }

    /**
     * Getter for field in_channels
     */
    public static long in_channels(MemorySegment struct) {
        return struct.get(in_channels$LAYOUT, in_channels$OFFSET);
    }

    /**
     * Setter for field in_channels
     */
    public static void in_channels(MemorySegment struct, long fieldValue) {
        struct.set(in_channels$LAYOUT, in_channels$OFFSET, fieldValue);
    }

    private static final OfLong in_h$LAYOUT = (OfLong)$LAYOUT.select(groupElement("in_h"));

    /**
     * Layout for field in_h
     */
    public static final OfLong in_h$layout() {
        return in_h$LAYOUT;
    }

    private static final long in_h$OFFSET = 16;

    /**
     * Offset for field in_h
     */
    public static final long in_h$offset() {
        return in_h$OFFSET;
    }

    /**
     * Getter for field in_h
     */
    public static long in_h(MemorySegment struct) {
        return struct.get(in_h$LAYOUT, in_h$OFFSET);
    }

    /**
     * Setter for field in_h
     */
    public static void in_h(MemorySegment struct, long fieldValue) {
        struct.set(in_h$LAYOUT, in_h$OFFSET, fieldValue);
    }

    private static final OfLong in_w$LAYOUT = (OfLong)$LAYOUT.select(groupElement("in_w"));

    /**
     * Layout for field in_w
     */
    public static final OfLong in_w$layout() {
        return in_w$LAYOUT;
    }

    private static final long in_w$OFFSET = 24;

    /**
     * Offset for field in_w
     */
    public static final long in_w$offset() {
        return in_w$OFFSET;
    }

    /**
     * Getter for field in_w
     */
    public static long in_w(MemorySegment struct) {
        return struct.get(in_w$LAYOUT, in_w$OFFSET);
    }

    /**
     * Setter for field in_w
     */
    public static void in_w(MemorySegment struct, long fieldValue) {
        struct.set(in_w$LAYOUT, in_w$OFFSET, fieldValue);
    }

    private static final OfLong out_channels$LAYOUT = (OfLong)$LAYOUT.select(groupElement("out_channels"));

    /**
     * Layout for field out_channels
     */
    public static final OfLong out_channels$layout() {
        return out_channels$LAYOUT;
    }

    private static final long out_channels$OFFSET = 32;

    /**
     * Offset for field out_channels
     */
    public static final long out_channels$offset() {
        return out_channels$OFFSET;
    }

    /**
     * Getter for field out_channels
     */
    public static long out_channels(MemorySegment struct) {
        return struct.get(out_channels$LAYOUT, out_channels$OFFSET);
    }

    /**
     * Setter for field out_channels
     */
    public static void out_channels(MemorySegment struct, long fieldValue) {
        struct.set(out_channels$LAYOUT, out_channels$OFFSET, fieldValue);
    }

    private static final OfLong kernel_h$LAYOUT = (OfLong)$LAYOUT.select(groupElement("kernel_h"));

    /**
     * Layout for field kernel_h
     */
    public static final OfLong kernel_h$layout() {
        return kernel_h$LAYOUT;
    }

    private static final long kernel_h$OFFSET = 40;

    /**
     * Offset for field kernel_h
     */
    public static final long kernel_h$offset() {
        return kernel_h$OFFSET;
    }

    /**
     * Getter for field kernel_h
     */
    public static long kernel_h(MemorySegment struct) {
        return struct.get(kernel_h$LAYOUT, kernel_h$OFFSET);
    }

    /**
     * Setter for field kernel_h
     */
    public static void kernel_h(MemorySegment struct, long fieldValue) {
        struct.set(kernel_h$LAYOUT, kernel_h$OFFSET, fieldValue);
    }

    private static final OfLong kernel_w$LAYOUT = (OfLong)$LAYOUT.select(groupElement("kernel_w"));

    /**
     * Layout for field kernel_w
     */
    public static final OfLong kernel_w$layout() {
        return kernel_w$LAYOUT;
    }

    private static final long kernel_w$OFFSET = 48;

    /**
     * Offset for field kernel_w
     */
    public static final long kernel_w$offset() {
        return kernel_w$OFFSET;
    }

    /**
     * Getter for field kernel_w
     */
    public static long kernel_w(MemorySegment struct) {
        return struct.get(kernel_w$LAYOUT, kernel_w$OFFSET);
    }

    /**
     * Setter for field kernel_w
     */
    public static void kernel_w(MemorySegment struct, long fieldValue) {
        struct.set(kernel_w$LAYOUT, kernel_w$OFFSET, fieldValue);
    }

    private static final OfLong stride_h$LAYOUT = (OfLong)$LAYOUT.select(groupElement("stride_h"));

    /**
     * Layout for field stride_h
     */
    public static final OfLong stride_h$layout() {
        return stride_h$LAYOUT;
    }

    private static final long stride_h$OFFSET = 56;

    /**
     * Offset for field stride_h
     */
    public static final long stride_h$offset() {
        return stride_h$OFFSET;
    }

    /**
     * Getter for field stride_h
     */
    public static long stride_h(MemorySegment struct) {
        return struct.get(stride_h$LAYOUT, stride_h$OFFSET);
    }

    /**
     * Setter for field stride_h
     */
    public static void stride_h(MemorySegment struct, long fieldValue) {
        struct.set(stride_h$LAYOUT, stride_h$OFFSET, fieldValue);
    }

    private static final OfLong stride_w$LAYOUT = (OfLong)$LAYOUT.select(groupElement("stride_w"));

    /**
     * Layout for field stride_w
     */
    public static final OfLong stride_w$layout() {
        return stride_w$LAYOUT;
    }

    private static final long stride_w$OFFSET = 64;

    /**
     * Offset for field stride_w
     */
    public static final long stride_w$offset() {
        return stride_w$OFFSET;
    }

    /**
     * Getter for field stride_w
     */
    public static long stride_w(MemorySegment struct) {
        return struct.get(stride_w$LAYOUT, stride_w$OFFSET);
    }

    /**
     * Setter for field stride_w
     */
    public static void stride_w(MemorySegment struct, long fieldValue) {
        struct.set(stride_w$LAYOUT, stride_w$OFFSET, fieldValue);
    }

    private static final OfLong pad_h$LAYOUT = (OfLong)$LAYOUT.select(groupElement("pad_h"));

    /**
     * Layout for field pad_h
     */
    public static final OfLong pad_h$layout() {
        return pad_h$LAYOUT;
    }

    private static final long pad_h$OFFSET = 72;

    /**
     * Offset for field pad_h
     */
    public static final long pad_h$offset() {
        return pad_h$OFFSET;
    }

    /**
     * Getter for field pad_h
     */
    public static long pad_h(MemorySegment struct) {
        return struct.get(pad_h$LAYOUT, pad_h$OFFSET);
    }

    /**
     * Setter for field pad_h
     */
    public static void pad_h(MemorySegment struct, long fieldValue) {
        struct.set(pad_h$LAYOUT, pad_h$OFFSET, fieldValue);
    }

    private static final OfLong pad_w$LAYOUT = (OfLong)$LAYOUT.select(groupElement("pad_w"));

    /**
     * Layout for field pad_w
     */
    public static final OfLong pad_w$layout() {
        return pad_w$LAYOUT;
    }

    private static final long pad_w$OFFSET = 80;

    /**
     * Offset for field pad_w
     */
    public static final long pad_w$offset() {
        return pad_w$OFFSET;
    }

    /**
     * Getter for field pad_w
     */
    public static long pad_w(MemorySegment struct) {
        return struct.get(pad_w$LAYOUT, pad_w$OFFSET);
    }

    /**
     * Setter for field pad_w
     */
    public static void pad_w(MemorySegment struct, long fieldValue) {
        struct.set(pad_w$LAYOUT, pad_w$OFFSET, fieldValue);
    }

    private static final OfLong dilation_h$LAYOUT = (OfLong)$LAYOUT.select(groupElement("dilation_h"));

    /**
     * Layout for field dilation_h
     */
    public static final OfLong dilation_h$layout() {
        return dilation_h$LAYOUT;
    }

    private static final long dilation_h$OFFSET = 88;

    /**
     * Offset for field dilation_h
     */
    public static final long dilation_h$offset() {
        return dilation_h$OFFSET;
    }

    /**
     * Getter for field dilation_h
     */
    public static long dilation_h(MemorySegment struct) {
        return struct.get(dilation_h$LAYOUT, dilation_h$OFFSET);
    }

    /**
     * Setter for field dilation_h
     */
    public static void dilation_h(MemorySegment struct, long fieldValue) {
        struct.set(dilation_h$LAYOUT, dilation_h$OFFSET, fieldValue);
    }

    private static final OfLong dilation_w$LAYOUT = (OfLong)$LAYOUT.select(groupElement("dilation_w"));

    /**
     * Layout for field dilation_w
     */
    public static final OfLong dilation_w$layout() {
        return dilation_w$LAYOUT;
    }

    private static final long dilation_w$OFFSET = 96;

    /**
     * Offset for field dilation_w
     */
    public static final long dilation_w$offset() {
        return dilation_w$OFFSET;
    }

    /**
     * Getter for field dilation_w
     */
    public static long dilation_w(MemorySegment struct) {
        return struct.get(dilation_w$LAYOUT, dilation_w$OFFSET);
    }

    /**
     * Setter for field dilation_w
     */
    public static void dilation_w(MemorySegment struct, long fieldValue) {
        struct.set(dilation_w$LAYOUT, dilation_w$OFFSET, fieldValue);
    }

    private static final OfLong groups$LAYOUT = (OfLong)$LAYOUT.select(groupElement("groups"));

    /**
     * Layout for field groups
     */
    public static final OfLong groups$layout() {
        return groups$LAYOUT;
    }

    private static final long groups$OFFSET = 104;

    /**
     * Offset for field groups
     */
    public static final long groups$offset() {
        return groups$OFFSET;
    }

    /**
     * Getter for field groups
     */
    public static long groups(MemorySegment struct) {
        return struct.get(groups$LAYOUT, groups$OFFSET);
    }

    /**
     * Setter for field groups
     */
    public static void groups(MemorySegment struct, long fieldValue) {
        struct.set(groups$LAYOUT, groups$OFFSET, fieldValue);
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
