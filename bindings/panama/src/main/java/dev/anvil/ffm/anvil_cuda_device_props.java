// Laid out like jextract's output for bindings/include/anvil.h (bindings/jextract.sh regenerates it
// where jextract is installed). Kept to what the binding uses: an output struct, so getters only.
package dev.anvil.ffm;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * {@snippet lang=c :
 * typedef struct anvil_cuda_device_props {
 *     char name[256];
 *     int64_t total_memory;
 *     int32_t major, minor;
 *     int32_t multiprocessors;
 *     int32_t driver_version;
 *     int32_t runtime_version;
 *     int32_t reserved;
 * } anvil_cuda_device_props;
 * }
 */
public class anvil_cuda_device_props {

    anvil_cuda_device_props() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
        MemoryLayout.sequenceLayout(256, anvil_h.C_CHAR).withName("name"),
        anvil_h.C_LONG.withName("total_memory"),
        anvil_h.C_INT.withName("major"),
        anvil_h.C_INT.withName("minor"),
        anvil_h.C_INT.withName("multiprocessors"),
        anvil_h.C_INT.withName("driver_version"),
        anvil_h.C_INT.withName("runtime_version"),
        anvil_h.C_INT.withName("reserved")
    ).withName("anvil_cuda_device_props");

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

    private static final long name$OFFSET = 0;

    /**
     * Getter for field name (a NUL-terminated string)
     */
    public static String name(MemorySegment struct) {
        return struct.asSlice(name$OFFSET, 256).getString(0);
    }

    private static final long total_memory$OFFSET = 256;

    /**
     * Getter for field total_memory
     */
    public static long total_memory(MemorySegment struct) {
        return struct.get(anvil_h.C_LONG, total_memory$OFFSET);
    }

    private static final long major$OFFSET = 264;

    /**
     * Getter for field major
     */
    public static int major(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, major$OFFSET);
    }

    private static final long minor$OFFSET = 268;

    /**
     * Getter for field minor
     */
    public static int minor(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, minor$OFFSET);
    }

    private static final long multiprocessors$OFFSET = 272;

    /**
     * Getter for field multiprocessors
     */
    public static int multiprocessors(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, multiprocessors$OFFSET);
    }

    private static final long driver_version$OFFSET = 276;

    /**
     * Getter for field driver_version
     */
    public static int driver_version(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, driver_version$OFFSET);
    }

    private static final long runtime_version$OFFSET = 280;

    /**
     * Getter for field runtime_version
     */
    public static int runtime_version(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, runtime_version$OFFSET);
    }

    private static final long reserved$OFFSET = 284;

    /**
     * Getter for field reserved
     */
    public static int reserved(MemorySegment struct) {
        return struct.get(anvil_h.C_INT, reserved$OFFSET);
    }
}
