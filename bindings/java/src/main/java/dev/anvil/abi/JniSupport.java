package dev.anvil.abi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The JNI binding's loading and memory access; the generated {@link JniAbi} adds the functions.
 * Its native methods are written by hand in {@code src/main/c/jni_support.c}.
 */
abstract class JniSupport implements AbiSupport {
    static {
        NativeLibraries.load("anvil");
        NativeLibraries.load("anvil_jni");
    }

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public native ByteBuffer view(long address, long bytes);

    @Override
    public native long address(ByteBuffer direct);

    private static native long strlen(long cString);

    @Override
    public String string(long cString) {
        if (cString == 0) return null;
        byte[] bytes = new byte[Math.toIntExact(strlen(cString))];
        view(cString, bytes.length).get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
