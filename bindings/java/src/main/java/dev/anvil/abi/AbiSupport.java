package dev.anvil.abi;

import java.nio.ByteBuffer;

/**
 * What each binding gives besides the functions of anvil.h: access to native memory from Java,
 * which Java 17 has no portable way to reach by address.
 */
public interface AbiSupport {
    /** The name {@code -Danvil.binding} selects this binding by: "jni" or "ffm". */
    String name();

    /** A direct buffer over {@code bytes} (at most 2^31 - 1) bytes at {@code address}, no copy. */
    ByteBuffer view(long address, long bytes);

    /** The address of a direct buffer's first byte. */
    long address(ByteBuffer direct);

    /** The NUL-terminated UTF-8 string at {@code cString}, or null for address 0. */
    String string(long cString);
}
