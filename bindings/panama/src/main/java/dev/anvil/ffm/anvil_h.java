// Laid out like jextract's output for bindings/include/anvil.h (bindings/jextract.sh regenerates it
// where jextract is installed). Kept to what the binding uses: no downcall tracing, no typedefs.
package dev.anvil.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The functions, enum constants and macros of {@code anvil.h}: for each function {@code f}, a static
 * method {@code f(...)} that calls it and {@code f$descriptor()}, {@code f$handle()},
 * {@code f$address()}. Symbols are looked up in the libraries that this class loader has loaded, so
 * libanvil must be loaded ({@link System#load}) before this class is used.
 */
public class anvil_h {

    anvil_h() {
        // Should not be called directly
    }

    static final SymbolLookup SYMBOL_LOOKUP = SymbolLookup.loaderLookup()
            .or(Linker.nativeLinker().defaultLookup());

    static MemorySegment findOrThrow(String symbol) {
        return SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));

    private static final int ANVIL_ABI_VERSION = (int)2L;

    /**
     * {@snippet lang=c :
     * #define ANVIL_ABI_VERSION 2
     * }
     */
    public static int ANVIL_ABI_VERSION() {
        return ANVIL_ABI_VERSION;
    }

    private static final int ANVIL_OK = 0;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_OK = 0
     * }
     */
    public static int ANVIL_OK() {
        return ANVIL_OK;
    }

    private static final int ANVIL_ERR_INVALID_ARGUMENT = 1;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_INVALID_ARGUMENT = 1
     * }
     */
    public static int ANVIL_ERR_INVALID_ARGUMENT() {
        return ANVIL_ERR_INVALID_ARGUMENT;
    }

    private static final int ANVIL_ERR_OUT_OF_MEMORY = 2;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_OUT_OF_MEMORY = 2
     * }
     */
    public static int ANVIL_ERR_OUT_OF_MEMORY() {
        return ANVIL_ERR_OUT_OF_MEMORY;
    }

    private static final int ANVIL_ERR_UNSUPPORTED = 3;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_UNSUPPORTED = 3
     * }
     */
    public static int ANVIL_ERR_UNSUPPORTED() {
        return ANVIL_ERR_UNSUPPORTED;
    }

    private static final int ANVIL_ERR_INTERNAL = 4;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_INTERNAL = 4
     * }
     */
    public static int ANVIL_ERR_INTERNAL() {
        return ANVIL_ERR_INTERNAL;
    }

    private static final int ANVIL_ERR_PLUGIN = 5;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_PLUGIN = 5
     * }
     */
    public static int ANVIL_ERR_PLUGIN() {
        return ANVIL_ERR_PLUGIN;
    }

    private static final int ANVIL_ERR_TIMEOUT = 6;

    /**
     * {@snippet lang=c :
     * enum anvil_status.ANVIL_ERR_TIMEOUT = 6
     * }
     */
    public static int ANVIL_ERR_TIMEOUT() {
        return ANVIL_ERR_TIMEOUT;
    }

    private static class anvil_version {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_version");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* anvil_version(void)
     * }
     */
    public static FunctionDescriptor anvil_version$descriptor() {
        return anvil_version.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* anvil_version(void)
     * }
     */
    public static MethodHandle anvil_version$handle() {
        return anvil_version.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* anvil_version(void)
     * }
     */
    public static MemorySegment anvil_version$address() {
        return anvil_version.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* anvil_version(void)
     * }
     */
    public static MemorySegment anvil_version() {
        var mh$ = anvil_version.HANDLE;
        try {
            return (MemorySegment)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_abi_version {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_abi_version");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * int32_t anvil_abi_version(void)
     * }
     */
    public static FunctionDescriptor anvil_abi_version$descriptor() {
        return anvil_abi_version.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * int32_t anvil_abi_version(void)
     * }
     */
    public static MethodHandle anvil_abi_version$handle() {
        return anvil_abi_version.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * int32_t anvil_abi_version(void)
     * }
     */
    public static MemorySegment anvil_abi_version$address() {
        return anvil_abi_version.ADDR;
    }

    /**
     * {@snippet lang=c :
     * int32_t anvil_abi_version(void)
     * }
     */
    public static int anvil_abi_version() {
        var mh$ = anvil_abi_version.HANDLE;
        try {
            return (int)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_last_error {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_last_error");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* anvil_last_error(void)
     * }
     */
    public static FunctionDescriptor anvil_last_error$descriptor() {
        return anvil_last_error.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* anvil_last_error(void)
     * }
     */
    public static MethodHandle anvil_last_error$handle() {
        return anvil_last_error.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* anvil_last_error(void)
     * }
     */
    public static MemorySegment anvil_last_error$address() {
        return anvil_last_error.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* anvil_last_error(void)
     * }
     */
    public static MemorySegment anvil_last_error() {
        var mh$ = anvil_last_error.HANDLE;
        try {
            return (MemorySegment)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_cpu_features {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_cpu_features");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* anvil_cpu_features(void)
     * }
     */
    public static FunctionDescriptor anvil_cpu_features$descriptor() {
        return anvil_cpu_features.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* anvil_cpu_features(void)
     * }
     */
    public static MethodHandle anvil_cpu_features$handle() {
        return anvil_cpu_features.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* anvil_cpu_features(void)
     * }
     */
    public static MemorySegment anvil_cpu_features$address() {
        return anvil_cpu_features.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* anvil_cpu_features(void)
     * }
     */
    public static MemorySegment anvil_cpu_features() {
        var mh$ = anvil_cpu_features.HANDLE;
        try {
            return (MemorySegment)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_gemm_kernel {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_gemm_kernel");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* anvil_gemm_kernel(void)
     * }
     */
    public static FunctionDescriptor anvil_gemm_kernel$descriptor() {
        return anvil_gemm_kernel.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* anvil_gemm_kernel(void)
     * }
     */
    public static MethodHandle anvil_gemm_kernel$handle() {
        return anvil_gemm_kernel.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* anvil_gemm_kernel(void)
     * }
     */
    public static MemorySegment anvil_gemm_kernel$address() {
        return anvil_gemm_kernel.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* anvil_gemm_kernel(void)
     * }
     */
    public static MemorySegment anvil_gemm_kernel() {
        var mh$ = anvil_gemm_kernel.HANDLE;
        try {
            return (MemorySegment)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create(int32_t num_threads, anvil_context** out)
     * }
     */
    public static FunctionDescriptor anvil_context_create$descriptor() {
        return anvil_context_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create(int32_t num_threads, anvil_context** out)
     * }
     */
    public static MethodHandle anvil_context_create$handle() {
        return anvil_context_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create(int32_t num_threads, anvil_context** out)
     * }
     */
    public static MemorySegment anvil_context_create$address() {
        return anvil_context_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_create(int32_t num_threads, anvil_context** out)
     * }
     */
    public static int anvil_context_create(int num_threads, MemorySegment out) {
        var mh$ = anvil_context_create.HANDLE;
        try {
            return (int)mh$.invokeExact(num_threads, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_destroy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_destroy");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_destroy(anvil_context* ctx)
     * }
     */
    public static FunctionDescriptor anvil_context_destroy$descriptor() {
        return anvil_context_destroy.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_destroy(anvil_context* ctx)
     * }
     */
    public static MethodHandle anvil_context_destroy$handle() {
        return anvil_context_destroy.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_destroy(anvil_context* ctx)
     * }
     */
    public static MemorySegment anvil_context_destroy$address() {
        return anvil_context_destroy.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_destroy(anvil_context* ctx)
     * }
     */
    public static int anvil_context_destroy(MemorySegment ctx) {
        var mh$ = anvil_context_destroy.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_num_threads {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_num_threads");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out)
     * }
     */
    public static FunctionDescriptor anvil_context_num_threads$descriptor() {
        return anvil_context_num_threads.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out)
     * }
     */
    public static MethodHandle anvil_context_num_threads$handle() {
        return anvil_context_num_threads.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out)
     * }
     */
    public static MemorySegment anvil_context_num_threads$address() {
        return anvil_context_num_threads.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out)
     * }
     */
    public static int anvil_context_num_threads(MemorySegment ctx, MemorySegment out) {
        var mh$ = anvil_context_num_threads.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_workspace_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_workspace_bytes");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out)
     * }
     */
    public static FunctionDescriptor anvil_context_workspace_bytes$descriptor() {
        return anvil_context_workspace_bytes.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out)
     * }
     */
    public static MethodHandle anvil_context_workspace_bytes$handle() {
        return anvil_context_workspace_bytes.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out)
     * }
     */
    public static MemorySegment anvil_context_workspace_bytes$address() {
        return anvil_context_workspace_bytes.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out)
     * }
     */
    public static int anvil_context_workspace_bytes(MemorySegment ctx, MemorySegment out) {
        var mh$ = anvil_context_workspace_bytes.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_malloc {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_LONG,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_malloc");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_malloc(int64_t bytes, void** out)
     * }
     */
    public static FunctionDescriptor anvil_malloc$descriptor() {
        return anvil_malloc.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_malloc(int64_t bytes, void** out)
     * }
     */
    public static MethodHandle anvil_malloc$handle() {
        return anvil_malloc.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_malloc(int64_t bytes, void** out)
     * }
     */
    public static MemorySegment anvil_malloc$address() {
        return anvil_malloc.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_malloc(int64_t bytes, void** out)
     * }
     */
    public static int anvil_malloc(long bytes, MemorySegment out) {
        var mh$ = anvil_malloc.HANDLE;
        try {
            return (int)mh$.invokeExact(bytes, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_free(void* ptr)
     * }
     */
    public static FunctionDescriptor anvil_free$descriptor() {
        return anvil_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_free(void* ptr)
     * }
     */
    public static MethodHandle anvil_free$handle() {
        return anvil_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_free(void* ptr)
     * }
     */
    public static MemorySegment anvil_free$address() {
        return anvil_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_free(void* ptr)
     * }
     */
    public static int anvil_free(MemorySegment ptr) {
        var mh$ = anvil_free.HANDLE;
        try {
            return (int)mh$.invokeExact(ptr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_live_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_LONG
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_live_bytes");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * int64_t anvil_live_bytes(void)
     * }
     */
    public static FunctionDescriptor anvil_live_bytes$descriptor() {
        return anvil_live_bytes.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * int64_t anvil_live_bytes(void)
     * }
     */
    public static MethodHandle anvil_live_bytes$handle() {
        return anvil_live_bytes.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * int64_t anvil_live_bytes(void)
     * }
     */
    public static MemorySegment anvil_live_bytes$address() {
        return anvil_live_bytes.ADDR;
    }

    /**
     * {@snippet lang=c :
     * int64_t anvil_live_bytes(void)
     * }
     */
    public static long anvil_live_bytes() {
        var mh$ = anvil_live_bytes.HANDLE;
        try {
            return (long)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_fill {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_FLOAT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_fill");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y)
     * }
     */
    public static FunctionDescriptor anvil_fill$descriptor() {
        return anvil_fill.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y)
     * }
     */
    public static MethodHandle anvil_fill$handle() {
        return anvil_fill.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y)
     * }
     */
    public static MemorySegment anvil_fill$address() {
        return anvil_fill.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_fill(anvil_context* ctx, int64_t n, float value, float* y)
     * }
     */
    public static int anvil_fill(MemorySegment ctx, long n, float value, MemorySegment y) {
        var mh$ = anvil_fill.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, value, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_copy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_copy");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_copy$descriptor() {
        return anvil_copy.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_copy$handle() {
        return anvil_copy.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_copy$address() {
        return anvil_copy.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_copy(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static int anvil_copy(MemorySegment ctx, long n, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_copy.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_scale {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_FLOAT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_scale");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x)
     * }
     */
    public static FunctionDescriptor anvil_scale$descriptor() {
        return anvil_scale.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x)
     * }
     */
    public static MethodHandle anvil_scale$handle() {
        return anvil_scale.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x)
     * }
     */
    public static MemorySegment anvil_scale$address() {
        return anvil_scale.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_scale(anvil_context* ctx, int64_t n, float alpha, float* x)
     * }
     */
    public static int anvil_scale(MemorySegment ctx, long n, float alpha, MemorySegment x) {
        var mh$ = anvil_scale.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, alpha, x);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_axpy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_FLOAT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_axpy");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_axpy$descriptor() {
        return anvil_axpy.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_axpy$handle() {
        return anvil_axpy.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_axpy$address() {
        return anvil_axpy.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_axpy(anvil_context* ctx, int64_t n, float alpha, const float* x, float* y)
     * }
     */
    public static int anvil_axpy(MemorySegment ctx, long n, float alpha, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_axpy.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, alpha, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_conv2d_output_size {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_conv2d_output_size");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static FunctionDescriptor anvil_conv2d_output_size$descriptor() {
        return anvil_conv2d_output_size.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static MethodHandle anvil_conv2d_output_size$handle() {
        return anvil_conv2d_output_size.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static MemorySegment anvil_conv2d_output_size$address() {
        return anvil_conv2d_output_size.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static int anvil_conv2d_output_size(MemorySegment d, MemorySegment out_h, MemorySegment out_w) {
        var mh$ = anvil_conv2d_output_size.HANDLE;
        try {
            return (int)mh$.invokeExact(d, out_h, out_w);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_conv2d_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_conv2d_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static FunctionDescriptor anvil_conv2d_forward$descriptor() {
        return anvil_conv2d_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static MethodHandle anvil_conv2d_forward$handle() {
        return anvil_conv2d_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static MemorySegment anvil_conv2d_forward$address() {
        return anvil_conv2d_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static int anvil_conv2d_forward(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y) {
        var mh$ = anvil_conv2d_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, w, bias, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_conv2d_backward_data {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_conv2d_backward_data");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_conv2d_backward_data$descriptor() {
        return anvil_conv2d_backward_data.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static MethodHandle anvil_conv2d_backward_data$handle() {
        return anvil_conv2d_backward_data.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static MemorySegment anvil_conv2d_backward_data$address() {
        return anvil_conv2d_backward_data.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static int anvil_conv2d_backward_data(MemorySegment ctx, MemorySegment d, MemorySegment dy, MemorySegment w, MemorySegment dx) {
        var mh$ = anvil_conv2d_backward_data.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, dy, w, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_conv2d_backward_weight {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_conv2d_backward_weight");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static FunctionDescriptor anvil_conv2d_backward_weight$descriptor() {
        return anvil_conv2d_backward_weight.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static MethodHandle anvil_conv2d_backward_weight$handle() {
        return anvil_conv2d_backward_weight.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static MemorySegment anvil_conv2d_backward_weight$address() {
        return anvil_conv2d_backward_weight.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static int anvil_conv2d_backward_weight(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment dy, MemorySegment dw, MemorySegment db, int accumulate) {
        var mh$ = anvil_conv2d_backward_weight.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, dy, dw, db, accumulate);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_pool2d_output_size {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_pool2d_output_size");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static FunctionDescriptor anvil_pool2d_output_size$descriptor() {
        return anvil_pool2d_output_size.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static MethodHandle anvil_pool2d_output_size$handle() {
        return anvil_pool2d_output_size.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static MemorySegment anvil_pool2d_output_size$address() {
        return anvil_pool2d_output_size.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* d, int64_t* out_h, int64_t* out_w)
     * }
     */
    public static int anvil_pool2d_output_size(MemorySegment d, MemorySegment out_h, MemorySegment out_w) {
        var mh$ = anvil_pool2d_output_size.HANDLE;
        try {
            return (int)mh$.invokeExact(d, out_h, out_w);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_maxpool2d_index_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_maxpool2d_index_bytes");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* d, int64_t* out)
     * }
     */
    public static FunctionDescriptor anvil_maxpool2d_index_bytes$descriptor() {
        return anvil_maxpool2d_index_bytes.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* d, int64_t* out)
     * }
     */
    public static MethodHandle anvil_maxpool2d_index_bytes$handle() {
        return anvil_maxpool2d_index_bytes.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* d, int64_t* out)
     * }
     */
    public static MemorySegment anvil_maxpool2d_index_bytes$address() {
        return anvil_maxpool2d_index_bytes.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* d, int64_t* out)
     * }
     */
    public static int anvil_maxpool2d_index_bytes(MemorySegment d, MemorySegment out) {
        var mh$ = anvil_maxpool2d_index_bytes.HANDLE;
        try {
            return (int)mh$.invokeExact(d, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_maxpool2d_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_maxpool2d_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y, void* argmax)
     * }
     */
    public static FunctionDescriptor anvil_maxpool2d_forward$descriptor() {
        return anvil_maxpool2d_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y, void* argmax)
     * }
     */
    public static MethodHandle anvil_maxpool2d_forward$handle() {
        return anvil_maxpool2d_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y, void* argmax)
     * }
     */
    public static MemorySegment anvil_maxpool2d_forward$address() {
        return anvil_maxpool2d_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y, void* argmax)
     * }
     */
    public static int anvil_maxpool2d_forward(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment y, MemorySegment argmax) {
        var mh$ = anvil_maxpool2d_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, y, argmax);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_maxpool2d_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_maxpool2d_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, const void* argmax, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_maxpool2d_backward$descriptor() {
        return anvil_maxpool2d_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, const void* argmax, float* dx)
     * }
     */
    public static MethodHandle anvil_maxpool2d_backward$handle() {
        return anvil_maxpool2d_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, const void* argmax, float* dx)
     * }
     */
    public static MemorySegment anvil_maxpool2d_backward$address() {
        return anvil_maxpool2d_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, const void* argmax, float* dx)
     * }
     */
    public static int anvil_maxpool2d_backward(MemorySegment ctx, MemorySegment d, MemorySegment dy, MemorySegment argmax, MemorySegment dx) {
        var mh$ = anvil_maxpool2d_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, dy, argmax, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_avgpool2d_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_avgpool2d_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_avgpool2d_forward$descriptor() {
        return anvil_avgpool2d_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_avgpool2d_forward$handle() {
        return anvil_avgpool2d_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_avgpool2d_forward$address() {
        return anvil_avgpool2d_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* x, float* y)
     * }
     */
    public static int anvil_avgpool2d_forward(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_avgpool2d_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_avgpool2d_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_avgpool2d_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_avgpool2d_backward$descriptor() {
        return anvil_avgpool2d_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, float* dx)
     * }
     */
    public static MethodHandle anvil_avgpool2d_backward$handle() {
        return anvil_avgpool2d_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, float* dx)
     * }
     */
    public static MemorySegment anvil_avgpool2d_backward$address() {
        return anvil_avgpool2d_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* d, const float* dy, float* dx)
     * }
     */
    public static int anvil_avgpool2d_backward(MemorySegment ctx, MemorySegment d, MemorySegment dy, MemorySegment dx) {
        var mh$ = anvil_avgpool2d_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, dy, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_linear_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_linear_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static FunctionDescriptor anvil_linear_forward$descriptor() {
        return anvil_linear_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static MethodHandle anvil_linear_forward$handle() {
        return anvil_linear_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static MemorySegment anvil_linear_forward$address() {
        return anvil_linear_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_linear_forward(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* w, const float* bias, float* y)
     * }
     */
    public static int anvil_linear_forward(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y) {
        var mh$ = anvil_linear_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, w, bias, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_linear_backward_data {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_linear_backward_data");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_linear_backward_data$descriptor() {
        return anvil_linear_backward_data.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static MethodHandle anvil_linear_backward_data$handle() {
        return anvil_linear_backward_data.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static MemorySegment anvil_linear_backward_data$address() {
        return anvil_linear_backward_data.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_data(anvil_context* ctx, const anvil_linear_desc* d, const float* dy, const float* w, float* dx)
     * }
     */
    public static int anvil_linear_backward_data(MemorySegment ctx, MemorySegment d, MemorySegment dy, MemorySegment w, MemorySegment dx) {
        var mh$ = anvil_linear_backward_data.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, dy, w, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_linear_backward_weight {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_linear_backward_weight");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static FunctionDescriptor anvil_linear_backward_weight$descriptor() {
        return anvil_linear_backward_weight.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static MethodHandle anvil_linear_backward_weight$handle() {
        return anvil_linear_backward_weight.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static MemorySegment anvil_linear_backward_weight$address() {
        return anvil_linear_backward_weight.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_linear_backward_weight(anvil_context* ctx, const anvil_linear_desc* d, const float* x, const float* dy, float* dw, float* db, int32_t accumulate)
     * }
     */
    public static int anvil_linear_backward_weight(MemorySegment ctx, MemorySegment d, MemorySegment x, MemorySegment dy, MemorySegment dw, MemorySegment db, int accumulate) {
        var mh$ = anvil_linear_backward_weight.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, x, dy, dw, db, accumulate);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_relu_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_relu_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_relu_forward$descriptor() {
        return anvil_relu_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_relu_forward$handle() {
        return anvil_relu_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_relu_forward$address() {
        return anvil_relu_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_relu_forward(anvil_context* ctx, int64_t n, const float* x, float* y)
     * }
     */
    public static int anvil_relu_forward(MemorySegment ctx, long n, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_relu_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_relu_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_relu_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_relu_backward$descriptor() {
        return anvil_relu_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy, float* dx)
     * }
     */
    public static MethodHandle anvil_relu_backward$handle() {
        return anvil_relu_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy, float* dx)
     * }
     */
    public static MemorySegment anvil_relu_backward$address() {
        return anvil_relu_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_relu_backward(anvil_context* ctx, int64_t n, const float* y, const float* dy, float* dx)
     * }
     */
    public static int anvil_relu_backward(MemorySegment ctx, long n, MemorySegment y, MemorySegment dy, MemorySegment dx) {
        var mh$ = anvil_relu_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, y, dy, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_dropout_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_FLOAT,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_dropout_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_dropout_forward$descriptor() {
        return anvil_dropout_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_dropout_forward$handle() {
        return anvil_dropout_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_dropout_forward$address() {
        return anvil_dropout_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_dropout_forward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* x, float* y)
     * }
     */
    public static int anvil_dropout_forward(MemorySegment ctx, long n, float p, long seed, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_dropout_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, p, seed, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_dropout_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_FLOAT,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_dropout_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_dropout_backward$descriptor() {
        return anvil_dropout_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx)
     * }
     */
    public static MethodHandle anvil_dropout_backward$handle() {
        return anvil_dropout_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx)
     * }
     */
    public static MemorySegment anvil_dropout_backward$address() {
        return anvil_dropout_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_dropout_backward(anvil_context* ctx, int64_t n, float p, uint64_t seed, const float* dy, float* dx)
     * }
     */
    public static int anvil_dropout_backward(MemorySegment ctx, long n, float p, long seed, MemorySegment dy, MemorySegment dx) {
        var mh$ = anvil_dropout_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, n, p, seed, dy, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_softmax_cross_entropy_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_softmax_cross_entropy_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float* loss)
     * }
     */
    public static FunctionDescriptor anvil_softmax_cross_entropy_forward$descriptor() {
        return anvil_softmax_cross_entropy_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float* loss)
     * }
     */
    public static MethodHandle anvil_softmax_cross_entropy_forward$handle() {
        return anvil_softmax_cross_entropy_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float* loss)
     * }
     */
    public static MemorySegment anvil_softmax_cross_entropy_forward$address() {
        return anvil_softmax_cross_entropy_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float* loss)
     * }
     */
    public static int anvil_softmax_cross_entropy_forward(MemorySegment ctx, long batch, long classes, MemorySegment logits, MemorySegment labels, MemorySegment loss) {
        var mh$ = anvil_softmax_cross_entropy_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, batch, classes, logits, labels, loss);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_softmax_cross_entropy_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_FLOAT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_softmax_cross_entropy_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float scale, float* dlogits)
     * }
     */
    public static FunctionDescriptor anvil_softmax_cross_entropy_backward$descriptor() {
        return anvil_softmax_cross_entropy_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float scale, float* dlogits)
     * }
     */
    public static MethodHandle anvil_softmax_cross_entropy_backward$handle() {
        return anvil_softmax_cross_entropy_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float scale, float* dlogits)
     * }
     */
    public static MemorySegment anvil_softmax_cross_entropy_backward$address() {
        return anvil_softmax_cross_entropy_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, const int32_t* labels, float scale, float* dlogits)
     * }
     */
    public static int anvil_softmax_cross_entropy_backward(MemorySegment ctx, long batch, long classes, MemorySegment logits, MemorySegment labels, float scale, MemorySegment dlogits) {
        var mh$ = anvil_softmax_cross_entropy_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, batch, classes, logits, labels, scale, dlogits);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_argmax {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_argmax");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions)
     * }
     */
    public static FunctionDescriptor anvil_argmax$descriptor() {
        return anvil_argmax.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions)
     * }
     */
    public static MethodHandle anvil_argmax$handle() {
        return anvil_argmax.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions)
     * }
     */
    public static MemorySegment anvil_argmax$address() {
        return anvil_argmax.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions)
     * }
     */
    public static int anvil_argmax(MemorySegment ctx, long batch, long classes, MemorySegment logits, MemorySegment predictions) {
        var mh$ = anvil_argmax.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, batch, classes, logits, predictions);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_sgd_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_sgd_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* velocity)
     * }
     */
    public static FunctionDescriptor anvil_sgd_step$descriptor() {
        return anvil_sgd_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* velocity)
     * }
     */
    public static MethodHandle anvil_sgd_step$handle() {
        return anvil_sgd_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* velocity)
     * }
     */
    public static MemorySegment anvil_sgd_step$address() {
        return anvil_sgd_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_sgd_step(anvil_context* ctx, const anvil_sgd_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* velocity)
     * }
     */
    public static int anvil_sgd_step(MemorySegment ctx, MemorySegment d, long step, long n, MemorySegment param, MemorySegment grad, MemorySegment velocity) {
        var mh$ = anvil_sgd_step.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, step, n, param, grad, velocity);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_adam_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_adam_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v)
     * }
     */
    public static FunctionDescriptor anvil_adam_step$descriptor() {
        return anvil_adam_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v)
     * }
     */
    public static MethodHandle anvil_adam_step$handle() {
        return anvil_adam_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v)
     * }
     */
    public static MemorySegment anvil_adam_step$address() {
        return anvil_adam_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_adam_step(anvil_context* ctx, const anvil_adam_desc* d, int64_t step, int64_t n, float* param, const float* grad, float* m, float* v)
     * }
     */
    public static int anvil_adam_step(MemorySegment ctx, MemorySegment d, long step, long n, MemorySegment param, MemorySegment grad, MemorySegment m, MemorySegment v) {
        var mh$ = anvil_adam_step.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, d, step, n, param, grad, m, v);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_load {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_load");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_load(const char* path, anvil_plugin** out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_load$descriptor() {
        return anvil_plugin_load.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_load(const char* path, anvil_plugin** out)
     * }
     */
    public static MethodHandle anvil_plugin_load$handle() {
        return anvil_plugin_load.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_load(const char* path, anvil_plugin** out)
     * }
     */
    public static MemorySegment anvil_plugin_load$address() {
        return anvil_plugin_load.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_load(const char* path, anvil_plugin** out)
     * }
     */
    public static int anvil_plugin_load(MemorySegment path, MemorySegment out) {
        var mh$ = anvil_plugin_load.HANDLE;
        try {
            return (int)mh$.invokeExact(path, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_unload {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_unload");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_unload(anvil_plugin* plugin)
     * }
     */
    public static FunctionDescriptor anvil_plugin_unload$descriptor() {
        return anvil_plugin_unload.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_unload(anvil_plugin* plugin)
     * }
     */
    public static MethodHandle anvil_plugin_unload$handle() {
        return anvil_plugin_unload.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_unload(anvil_plugin* plugin)
     * }
     */
    public static MemorySegment anvil_plugin_unload$address() {
        return anvil_plugin_unload.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_unload(anvil_plugin* plugin)
     * }
     */
    public static int anvil_plugin_unload(MemorySegment plugin) {
        var mh$ = anvil_plugin_unload.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_name");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_name$descriptor() {
        return anvil_plugin_name.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out)
     * }
     */
    public static MethodHandle anvil_plugin_name$handle() {
        return anvil_plugin_name.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out)
     * }
     */
    public static MemorySegment anvil_plugin_name$address() {
        return anvil_plugin_name.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out)
     * }
     */
    public static int anvil_plugin_name(MemorySegment plugin, MemorySegment out) {
        var mh$ = anvil_plugin_name.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_count");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_count$descriptor() {
        return anvil_plugin_op_count.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out)
     * }
     */
    public static MethodHandle anvil_plugin_op_count$handle() {
        return anvil_plugin_op_count.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out)
     * }
     */
    public static MemorySegment anvil_plugin_op_count$address() {
        return anvil_plugin_op_count.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out)
     * }
     */
    public static int anvil_plugin_op_count(MemorySegment plugin, MemorySegment out) {
        var mh$ = anvil_plugin_op_count.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_find {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_find");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_find$descriptor() {
        return anvil_plugin_op_find.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out)
     * }
     */
    public static MethodHandle anvil_plugin_op_find$handle() {
        return anvil_plugin_op_find.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out)
     * }
     */
    public static MemorySegment anvil_plugin_op_find$address() {
        return anvil_plugin_op_find.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out)
     * }
     */
    public static int anvil_plugin_op_find(MemorySegment plugin, MemorySegment name, MemorySegment out) {
        var mh$ = anvil_plugin_op_find.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, name, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_name");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_name$descriptor() {
        return anvil_plugin_op_name.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static MethodHandle anvil_plugin_op_name$handle() {
        return anvil_plugin_op_name.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static MemorySegment anvil_plugin_op_name$address() {
        return anvil_plugin_op_name.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static int anvil_plugin_op_name(MemorySegment plugin, int op, MemorySegment out) {
        var mh$ = anvil_plugin_op_name.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, op, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_description {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_description");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_description$descriptor() {
        return anvil_plugin_op_description.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static MethodHandle anvil_plugin_op_description$handle() {
        return anvil_plugin_op_description.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static MemorySegment anvil_plugin_op_description$address() {
        return anvil_plugin_op_description.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out)
     * }
     */
    public static int anvil_plugin_op_description(MemorySegment plugin, int op, MemorySegment out) {
        var mh$ = anvil_plugin_op_description.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, op, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_num_params {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_num_params");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_num_params$descriptor() {
        return anvil_plugin_op_num_params.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out)
     * }
     */
    public static MethodHandle anvil_plugin_op_num_params$handle() {
        return anvil_plugin_op_num_params.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out)
     * }
     */
    public static MemorySegment anvil_plugin_op_num_params$address() {
        return anvil_plugin_op_num_params.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out)
     * }
     */
    public static int anvil_plugin_op_num_params(MemorySegment plugin, int op, MemorySegment out) {
        var mh$ = anvil_plugin_op_num_params.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, op, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_output_shape {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_output_shape");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, int64_t* out_shape, int32_t* out_rank)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_output_shape$descriptor() {
        return anvil_plugin_op_output_shape.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, int64_t* out_shape, int32_t* out_rank)
     * }
     */
    public static MethodHandle anvil_plugin_op_output_shape$handle() {
        return anvil_plugin_op_output_shape.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, int64_t* out_shape, int32_t* out_rank)
     * }
     */
    public static MemorySegment anvil_plugin_op_output_shape$address() {
        return anvil_plugin_op_output_shape.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, int64_t* out_shape, int32_t* out_rank)
     * }
     */
    public static int anvil_plugin_op_output_shape(MemorySegment plugin, int op, MemorySegment shape, int rank, MemorySegment params, int num_params, MemorySegment out_shape, MemorySegment out_rank) {
        var mh$ = anvil_plugin_op_output_shape.HANDLE;
        try {
            return (int)mh$.invokeExact(plugin, op, shape, rank, params, num_params, out_shape, out_rank);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, float* y)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_forward$descriptor() {
        return anvil_plugin_op_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, float* y)
     * }
     */
    public static MethodHandle anvil_plugin_op_forward$handle() {
        return anvil_plugin_op_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, float* y)
     * }
     */
    public static MemorySegment anvil_plugin_op_forward$address() {
        return anvil_plugin_op_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, float* y)
     * }
     */
    public static int anvil_plugin_op_forward(MemorySegment ctx, MemorySegment plugin, int op, MemorySegment shape, int rank, MemorySegment params, int num_params, MemorySegment x, MemorySegment y) {
        var mh$ = anvil_plugin_op_forward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, plugin, op, shape, rank, params, num_params, x, y);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_plugin_op_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_plugin_op_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, const float* y, const float* dy, float* dx)
     * }
     */
    public static FunctionDescriptor anvil_plugin_op_backward$descriptor() {
        return anvil_plugin_op_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, const float* y, const float* dy, float* dx)
     * }
     */
    public static MethodHandle anvil_plugin_op_backward$handle() {
        return anvil_plugin_op_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, const float* y, const float* dy, float* dx)
     * }
     */
    public static MemorySegment anvil_plugin_op_backward$address() {
        return anvil_plugin_op_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank, const float* params, int32_t num_params, const float* x, const float* y, const float* dy, float* dx)
     * }
     */
    public static int anvil_plugin_op_backward(MemorySegment ctx, MemorySegment plugin, int op, MemorySegment shape, int rank, MemorySegment params, int num_params, MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx) {
        var mh$ = anvil_plugin_op_backward.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, plugin, op, shape, rank, params, num_params, x, y, dy, dx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_available {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_available");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_available(void)
     * }
     */
    public static FunctionDescriptor anvil_mpi_available$descriptor() {
        return anvil_mpi_available.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_available(void)
     * }
     */
    public static MethodHandle anvil_mpi_available$handle() {
        return anvil_mpi_available.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_available(void)
     * }
     */
    public static MemorySegment anvil_mpi_available$address() {
        return anvil_mpi_available.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_available(void)
     * }
     */
    public static int anvil_mpi_available() {
        var mh$ = anvil_mpi_available.HANDLE;
        try {
            return (int)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_init {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_init");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_init(void)
     * }
     */
    public static FunctionDescriptor anvil_mpi_init$descriptor() {
        return anvil_mpi_init.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_init(void)
     * }
     */
    public static MethodHandle anvil_mpi_init$handle() {
        return anvil_mpi_init.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_init(void)
     * }
     */
    public static MemorySegment anvil_mpi_init$address() {
        return anvil_mpi_init.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_init(void)
     * }
     */
    public static int anvil_mpi_init() {
        var mh$ = anvil_mpi_init.HANDLE;
        try {
            return (int)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_rank {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_rank");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_rank(int32_t *out)
     * }
     */
    public static FunctionDescriptor anvil_mpi_rank$descriptor() {
        return anvil_mpi_rank.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_rank(int32_t *out)
     * }
     */
    public static MethodHandle anvil_mpi_rank$handle() {
        return anvil_mpi_rank.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_rank(int32_t *out)
     * }
     */
    public static MemorySegment anvil_mpi_rank$address() {
        return anvil_mpi_rank.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_rank(int32_t *out)
     * }
     */
    public static int anvil_mpi_rank(MemorySegment out) {
        var mh$ = anvil_mpi_rank.HANDLE;
        try {
            return (int)mh$.invokeExact(out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_size {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_size");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_size(int32_t *out)
     * }
     */
    public static FunctionDescriptor anvil_mpi_size$descriptor() {
        return anvil_mpi_size.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_size(int32_t *out)
     * }
     */
    public static MethodHandle anvil_mpi_size$handle() {
        return anvil_mpi_size.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_size(int32_t *out)
     * }
     */
    public static MemorySegment anvil_mpi_size$address() {
        return anvil_mpi_size.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_size(int32_t *out)
     * }
     */
    public static int anvil_mpi_size(MemorySegment out) {
        var mh$ = anvil_mpi_size.HANDLE;
        try {
            return (int)mh$.invokeExact(out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_allreduce_sum {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_LONG
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_allreduce_sum");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allreduce_sum(float *data, int64_t n, int64_t timeout_ms)
     * }
     */
    public static FunctionDescriptor anvil_mpi_allreduce_sum$descriptor() {
        return anvil_mpi_allreduce_sum.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allreduce_sum(float *data, int64_t n, int64_t timeout_ms)
     * }
     */
    public static MethodHandle anvil_mpi_allreduce_sum$handle() {
        return anvil_mpi_allreduce_sum.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allreduce_sum(float *data, int64_t n, int64_t timeout_ms)
     * }
     */
    public static MemorySegment anvil_mpi_allreduce_sum$address() {
        return anvil_mpi_allreduce_sum.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allreduce_sum(float *data, int64_t n, int64_t timeout_ms)
     * }
     */
    public static int anvil_mpi_allreduce_sum(MemorySegment data, long n, long timeout_ms) {
        var mh$ = anvil_mpi_allreduce_sum.HANDLE;
        try {
            return (int)mh$.invokeExact(data, n, timeout_ms);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_bcast {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_INT,
            anvil_h.C_LONG
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_bcast");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_bcast(void *data, int64_t bytes, int32_t root, int64_t timeout_ms)
     * }
     */
    public static FunctionDescriptor anvil_mpi_bcast$descriptor() {
        return anvil_mpi_bcast.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_bcast(void *data, int64_t bytes, int32_t root, int64_t timeout_ms)
     * }
     */
    public static MethodHandle anvil_mpi_bcast$handle() {
        return anvil_mpi_bcast.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_bcast(void *data, int64_t bytes, int32_t root, int64_t timeout_ms)
     * }
     */
    public static MemorySegment anvil_mpi_bcast$address() {
        return anvil_mpi_bcast.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_bcast(void *data, int64_t bytes, int32_t root, int64_t timeout_ms)
     * }
     */
    public static int anvil_mpi_bcast(MemorySegment data, long bytes, int root, long timeout_ms) {
        var mh$ = anvil_mpi_bcast.HANDLE;
        try {
            return (int)mh$.invokeExact(data, bytes, root, timeout_ms);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_barrier {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_LONG
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_barrier");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_barrier(int64_t timeout_ms)
     * }
     */
    public static FunctionDescriptor anvil_mpi_barrier$descriptor() {
        return anvil_mpi_barrier.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_barrier(int64_t timeout_ms)
     * }
     */
    public static MethodHandle anvil_mpi_barrier$handle() {
        return anvil_mpi_barrier.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_barrier(int64_t timeout_ms)
     * }
     */
    public static MemorySegment anvil_mpi_barrier$address() {
        return anvil_mpi_barrier.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_barrier(int64_t timeout_ms)
     * }
     */
    public static int anvil_mpi_barrier(long timeout_ms) {
        var mh$ = anvil_mpi_barrier.HANDLE;
        try {
            return (int)mh$.invokeExact(timeout_ms);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_allgather {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER,
            anvil_h.C_LONG
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_allgather");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allgather(const void *mine, int64_t bytes, void *all, int64_t timeout_ms)
     * }
     */
    public static FunctionDescriptor anvil_mpi_allgather$descriptor() {
        return anvil_mpi_allgather.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allgather(const void *mine, int64_t bytes, void *all, int64_t timeout_ms)
     * }
     */
    public static MethodHandle anvil_mpi_allgather$handle() {
        return anvil_mpi_allgather.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allgather(const void *mine, int64_t bytes, void *all, int64_t timeout_ms)
     * }
     */
    public static MemorySegment anvil_mpi_allgather$address() {
        return anvil_mpi_allgather.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_allgather(const void *mine, int64_t bytes, void *all, int64_t timeout_ms)
     * }
     */
    public static int anvil_mpi_allgather(MemorySegment mine, long bytes, MemorySegment all, long timeout_ms) {
        var mh$ = anvil_mpi_allgather.HANDLE;
        try {
            return (int)mh$.invokeExact(mine, bytes, all, timeout_ms);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_finalize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_finalize");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_finalize(void)
     * }
     */
    public static FunctionDescriptor anvil_mpi_finalize$descriptor() {
        return anvil_mpi_finalize.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_finalize(void)
     * }
     */
    public static MethodHandle anvil_mpi_finalize$handle() {
        return anvil_mpi_finalize.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_finalize(void)
     * }
     */
    public static MemorySegment anvil_mpi_finalize$address() {
        return anvil_mpi_finalize.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_finalize(void)
     * }
     */
    public static int anvil_mpi_finalize() {
        var mh$ = anvil_mpi_finalize.HANDLE;
        try {
            return (int)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_mpi_abort {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_mpi_abort");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_abort(int32_t code)
     * }
     */
    public static FunctionDescriptor anvil_mpi_abort$descriptor() {
        return anvil_mpi_abort.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_abort(int32_t code)
     * }
     */
    public static MethodHandle anvil_mpi_abort$handle() {
        return anvil_mpi_abort.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_mpi_abort(int32_t code)
     * }
     */
    public static MemorySegment anvil_mpi_abort$address() {
        return anvil_mpi_abort.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_mpi_abort(int32_t code)
     * }
     */
    public static int anvil_mpi_abort(int code) {
        var mh$ = anvil_mpi_abort.HANDLE;
        try {
            return (int)mh$.invokeExact(code);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_cuda_available {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_cuda_available");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_available(void)
     * }
     */
    public static FunctionDescriptor anvil_cuda_available$descriptor() {
        return anvil_cuda_available.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_available(void)
     * }
     */
    public static MethodHandle anvil_cuda_available$handle() {
        return anvil_cuda_available.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_available(void)
     * }
     */
    public static MemorySegment anvil_cuda_available$address() {
        return anvil_cuda_available.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_cuda_available(void)
     * }
     */
    public static int anvil_cuda_available() {
        var mh$ = anvil_cuda_available.HANDLE;
        try {
            return (int)mh$.invokeExact();
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_cuda_device_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_cuda_device_count");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_count(int32_t* out)
     * }
     */
    public static FunctionDescriptor anvil_cuda_device_count$descriptor() {
        return anvil_cuda_device_count.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_count(int32_t* out)
     * }
     */
    public static MethodHandle anvil_cuda_device_count$handle() {
        return anvil_cuda_device_count.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_count(int32_t* out)
     * }
     */
    public static MemorySegment anvil_cuda_device_count$address() {
        return anvil_cuda_device_count.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_count(int32_t* out)
     * }
     */
    public static int anvil_cuda_device_count(MemorySegment out) {
        var mh$ = anvil_cuda_device_count.HANDLE;
        try {
            return (int)mh$.invokeExact(out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_cuda_device_props_get {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_cuda_device_props_get");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out)
     * }
     */
    public static FunctionDescriptor anvil_cuda_device_props_get$descriptor() {
        return anvil_cuda_device_props_get.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out)
     * }
     */
    public static MethodHandle anvil_cuda_device_props_get$handle() {
        return anvil_cuda_device_props_get.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out)
     * }
     */
    public static MemorySegment anvil_cuda_device_props_get$address() {
        return anvil_cuda_device_props_get.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out)
     * }
     */
    public static int anvil_cuda_device_props_get(int device, MemorySegment out) {
        var mh$ = anvil_cuda_device_props_get.HANDLE;
        try {
            return (int)mh$.invokeExact(device, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_create_cuda {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_create_cuda");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out)
     * }
     */
    public static FunctionDescriptor anvil_context_create_cuda$descriptor() {
        return anvil_context_create_cuda.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out)
     * }
     */
    public static MethodHandle anvil_context_create_cuda$handle() {
        return anvil_context_create_cuda.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out)
     * }
     */
    public static MemorySegment anvil_context_create_cuda$address() {
        return anvil_context_create_cuda.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out)
     * }
     */
    public static int anvil_context_create_cuda(int device, MemorySegment out) {
        var mh$ = anvil_context_create_cuda.HANDLE;
        try {
            return (int)mh$.invokeExact(device, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_device {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_device");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index)
     * }
     */
    public static FunctionDescriptor anvil_context_device$descriptor() {
        return anvil_context_device.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index)
     * }
     */
    public static MethodHandle anvil_context_device$handle() {
        return anvil_context_device.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index)
     * }
     */
    public static MemorySegment anvil_context_device$address() {
        return anvil_context_device.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index)
     * }
     */
    public static int anvil_context_device(MemorySegment ctx, MemorySegment device_type, MemorySegment device_index) {
        var mh$ = anvil_context_device.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, device_type, device_index);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_synchronize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_synchronize");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_synchronize(anvil_context* ctx)
     * }
     */
    public static FunctionDescriptor anvil_context_synchronize$descriptor() {
        return anvil_context_synchronize.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_synchronize(anvil_context* ctx)
     * }
     */
    public static MethodHandle anvil_context_synchronize$handle() {
        return anvil_context_synchronize.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_synchronize(anvil_context* ctx)
     * }
     */
    public static MemorySegment anvil_context_synchronize$address() {
        return anvil_context_synchronize.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_synchronize(anvil_context* ctx)
     * }
     */
    public static int anvil_context_synchronize(MemorySegment ctx) {
        var mh$ = anvil_context_synchronize.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_malloc {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_malloc");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static FunctionDescriptor anvil_context_malloc$descriptor() {
        return anvil_context_malloc.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static MethodHandle anvil_context_malloc$handle() {
        return anvil_context_malloc.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static MemorySegment anvil_context_malloc$address() {
        return anvil_context_malloc.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static int anvil_context_malloc(MemorySegment ctx, long bytes, MemorySegment out) {
        var mh$ = anvil_context_malloc.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, bytes, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_free(anvil_context* ctx, void* ptr)
     * }
     */
    public static FunctionDescriptor anvil_context_free$descriptor() {
        return anvil_context_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_free(anvil_context* ctx, void* ptr)
     * }
     */
    public static MethodHandle anvil_context_free$handle() {
        return anvil_context_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_free(anvil_context* ctx, void* ptr)
     * }
     */
    public static MemorySegment anvil_context_free$address() {
        return anvil_context_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_free(anvil_context* ctx, void* ptr)
     * }
     */
    public static int anvil_context_free(MemorySegment ctx, MemorySegment ptr) {
        var mh$ = anvil_context_free.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, ptr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_query {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_query");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_query(anvil_context* ctx, int32_t* done)
     * }
     */
    public static FunctionDescriptor anvil_context_query$descriptor() {
        return anvil_context_query.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_query(anvil_context* ctx, int32_t* done)
     * }
     */
    public static MethodHandle anvil_context_query$handle() {
        return anvil_context_query.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_query(anvil_context* ctx, int32_t* done)
     * }
     */
    public static MemorySegment anvil_context_query$address() {
        return anvil_context_query.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_query(anvil_context* ctx, int32_t* done)
     * }
     */
    public static int anvil_context_query(MemorySegment ctx, MemorySegment done) {
        var mh$ = anvil_context_query.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, done);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_cuda_stream {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_cuda_stream");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out)
     * }
     */
    public static FunctionDescriptor anvil_context_cuda_stream$descriptor() {
        return anvil_context_cuda_stream.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out)
     * }
     */
    public static MethodHandle anvil_context_cuda_stream$handle() {
        return anvil_context_cuda_stream.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out)
     * }
     */
    public static MemorySegment anvil_context_cuda_stream$address() {
        return anvil_context_cuda_stream.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out)
     * }
     */
    public static int anvil_context_cuda_stream(MemorySegment ctx, MemorySegment out) {
        var mh$ = anvil_context_cuda_stream.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_allocator_stats {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_allocator_stats");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out)
     * }
     */
    public static FunctionDescriptor anvil_context_allocator_stats$descriptor() {
        return anvil_context_allocator_stats.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out)
     * }
     */
    public static MethodHandle anvil_context_allocator_stats$handle() {
        return anvil_context_allocator_stats.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out)
     * }
     */
    public static MemorySegment anvil_context_allocator_stats$address() {
        return anvil_context_allocator_stats.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out)
     * }
     */
    public static int anvil_context_allocator_stats(MemorySegment ctx, MemorySegment out) {
        var mh$ = anvil_context_allocator_stats.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_context_empty_cache {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_context_empty_cache");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_context_empty_cache(anvil_context* ctx)
     * }
     */
    public static FunctionDescriptor anvil_context_empty_cache$descriptor() {
        return anvil_context_empty_cache.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_context_empty_cache(anvil_context* ctx)
     * }
     */
    public static MethodHandle anvil_context_empty_cache$handle() {
        return anvil_context_empty_cache.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_context_empty_cache(anvil_context* ctx)
     * }
     */
    public static MemorySegment anvil_context_empty_cache$address() {
        return anvil_context_empty_cache.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_context_empty_cache(anvil_context* ctx)
     * }
     */
    public static int anvil_context_empty_cache(MemorySegment ctx) {
        var mh$ = anvil_context_empty_cache.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_memcpy {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_INT
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_memcpy");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind)
     * }
     */
    public static FunctionDescriptor anvil_memcpy$descriptor() {
        return anvil_memcpy.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind)
     * }
     */
    public static MethodHandle anvil_memcpy$handle() {
        return anvil_memcpy.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind)
     * }
     */
    public static MemorySegment anvil_memcpy$address() {
        return anvil_memcpy.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind)
     * }
     */
    public static int anvil_memcpy(MemorySegment ctx, MemorySegment dst, MemorySegment src, long bytes, int kind) {
        var mh$ = anvil_memcpy.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, dst, src, bytes, kind);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_host_alloc_pinned {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_LONG,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_host_alloc_pinned");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static FunctionDescriptor anvil_host_alloc_pinned$descriptor() {
        return anvil_host_alloc_pinned.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static MethodHandle anvil_host_alloc_pinned$handle() {
        return anvil_host_alloc_pinned.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static MemorySegment anvil_host_alloc_pinned$address() {
        return anvil_host_alloc_pinned.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out)
     * }
     */
    public static int anvil_host_alloc_pinned(MemorySegment ctx, long bytes, MemorySegment out) {
        var mh$ = anvil_host_alloc_pinned.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, bytes, out);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class anvil_host_free_pinned {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            anvil_h.C_INT,
            anvil_h.C_POINTER,
            anvil_h.C_POINTER
        );

        public static final MemorySegment ADDR = anvil_h.findOrThrow("anvil_host_free_pinned");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr)
     * }
     */
    public static FunctionDescriptor anvil_host_free_pinned$descriptor() {
        return anvil_host_free_pinned.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr)
     * }
     */
    public static MethodHandle anvil_host_free_pinned$handle() {
        return anvil_host_free_pinned.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr)
     * }
     */
    public static MemorySegment anvil_host_free_pinned$address() {
        return anvil_host_free_pinned.ADDR;
    }

    /**
     * {@snippet lang=c :
     * anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr)
     * }
     */
    public static int anvil_host_free_pinned(MemorySegment ctx, MemorySegment ptr) {
        var mh$ = anvil_host_free_pinned.HANDLE;
        try {
            return (int)mh$.invokeExact(ctx, ptr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }
}
