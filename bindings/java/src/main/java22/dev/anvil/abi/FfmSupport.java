package dev.anvil.abi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * The FFM binding's loading and memory access (JDK 22+); the generated {@code FfmAbi} adds the
 * functions. Needs nothing but libanvil: no JNI glue, no other class path entry.
 */
abstract class FfmSupport implements AbiSupport {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBANVIL =
            SymbolLookup.libraryLookup(NativeLibraries.path("anvil"), Arena.global());

    /**
     * The downcall of function {@code name}. A leaf (ANVIL_LEAF in anvil.h: short, never blocks or
     * calls back) is linked as critical, which skips the thread-state transition of a normal call.
     */
    static MethodHandle downcall(String name, boolean leaf, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBANVIL.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError(name + " is missing from libanvil: library and jar do not match"));
        return leaf ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.critical(false))
                : LINKER.downcallHandle(symbol, descriptor);
    }

    /** invokeExact declares Throwable; a downcall throws only unchecked ones. */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public ByteBuffer view(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes).asByteBuffer();
    }

    @Override
    public long address(ByteBuffer direct) {
        return MemorySegment.ofBuffer(direct).address();
    }

    @Override
    public String string(long cString) {
        return cString == 0 ? null : MemorySegment.ofAddress(cString).reinterpret(Long.MAX_VALUE).getString(0);
    }
}
