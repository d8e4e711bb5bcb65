package dev.anvil.jni;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP mapping of {@code bindings/include/anvil.h}, one Java method per C function.
 *
 * <p>Handles and data pointers travel as {@code long} addresses (cast to their C types in the
 * generated glue), so calls create no Java objects and the same addresses work with the FFM
 * binding. Output parameters are one-element arrays. The descriptor structs are mapped as
 * JavaCPP {@link Pointer} classes.
 *
 * <p>This class is raw and unchecked: application code goes through {@code dev.anvil.internal.Native},
 * which validates arguments first and turns status codes into exceptions.
 */
@Platform(include = "anvil.h", link = "anvil")
public final class AnvilLib {
    static {
        Loader.load();
    }

    private AnvilLib() {}

    public static final int ANVIL_ABI_VERSION = 2;
    public static final int ANVIL_OK = 0;
    public static final int ANVIL_ERR_INVALID_ARGUMENT = 1;
    public static final int ANVIL_ERR_OUT_OF_MEMORY = 2;
    public static final int ANVIL_ERR_UNSUPPORTED = 3;
    public static final int ANVIL_ERR_INTERNAL = 4;
    public static final int ANVIL_ERR_PLUGIN = 5;
    public static final int ANVIL_ERR_TIMEOUT = 6;

    /** Loads the native libraries (idempotent). */
    public static void load() {
        Loader.load(AnvilLib.class);
    }

    /** A direct buffer over {@code bytes} bytes of native memory at {@code at} (no copy). */
    public static java.nio.ByteBuffer view(long at, long bytes) {
        // Pointer.address is protected: an anonymous subclass sets it (the parameter is not
        // named "address", which the inherited field would shadow).
        Pointer raw = new Pointer() {
            {
                this.address = at;
            }
        };
        return new BytePointer(raw).capacity(bytes).asByteBuffer();
    }

    // ------------------------------------------------------------------ library
    public static native String anvil_version();
    public static native int anvil_abi_version();
    public static native String anvil_last_error();
    public static native String anvil_cpu_features();
    public static native String anvil_gemm_kernel();

    // ------------------------------------------------------------------ context
    public static native int anvil_context_create(int numThreads, @Cast("anvil_context**") long[] out);
    public static native int anvil_context_destroy(@Cast("anvil_context*") long ctx);
    public static native int anvil_context_num_threads(@Cast("const anvil_context*") long ctx, @Cast("int32_t*") int[] out);
    public static native int anvil_context_workspace_bytes(@Cast("const anvil_context*") long ctx, @Cast("int64_t*") long[] out);

    // ------------------------------------------------------------------ CUDA devices
    public static native int anvil_cuda_available();
    public static native int anvil_cuda_device_count(@Cast("int32_t*") int[] out);

    @Name("anvil_cuda_device_props")
    public static class CudaDeviceProps extends Pointer {
        static {
            Loader.load();
        }

        public CudaDeviceProps() {
            allocate();
        }

        private native void allocate();

        @MemberGetter public native @Cast("char*") BytePointer name();
        @MemberGetter public native @Cast("int64_t") long total_memory();
        @MemberGetter public native int major();
        @MemberGetter public native int minor();
        @MemberGetter public native int multiprocessors();
        @MemberGetter public native int driver_version();
        @MemberGetter public native int runtime_version();
        @MemberGetter public native int reserved();
    }

    public static native int anvil_cuda_device_props_get(int device, CudaDeviceProps out);
    public static native int anvil_context_create_cuda(int device, @Cast("anvil_context**") long[] out);
    public static native int anvil_context_device(@Cast("const anvil_context*") long ctx, @Cast("int32_t*") int[] deviceType,
            @Cast("int32_t*") int[] deviceIndex);
    public static native int anvil_context_synchronize(@Cast("anvil_context*") long ctx);
    public static native int anvil_context_query(@Cast("anvil_context*") long ctx, @Cast("int32_t*") int[] done);
    public static native int anvil_context_cuda_stream(@Cast("anvil_context*") long ctx, @Cast("void**") long[] out);
    public static native int anvil_context_malloc(@Cast("anvil_context*") long ctx, long bytes, @Cast("void**") long[] out);
    public static native int anvil_context_free(@Cast("anvil_context*") long ctx, @Cast("void*") long ptr);

    @Name("anvil_allocator_stats")
    public static class AllocatorStats extends Pointer {
        static {
            Loader.load();
        }

        public AllocatorStats() {
            allocate();
        }

        private native void allocate();

        @MemberGetter public native @Cast("int64_t") long allocated();
        @MemberGetter public native @Cast("int64_t") long reserved();
        @MemberGetter public native @Cast("int64_t") long peak_allocated();
        @MemberGetter public native @Cast("int64_t") long allocations();
        @MemberGetter public native @Cast("int64_t") long cache_hits();
    }

    public static native int anvil_context_allocator_stats(@Cast("const anvil_context*") long ctx, AllocatorStats out);
    public static native int anvil_context_empty_cache(@Cast("anvil_context*") long ctx);
    public static native int anvil_memcpy(@Cast("anvil_context*") long ctx, @Cast("void*") long dst, @Cast("const void*") long src,
            long bytes, int kind);
    public static native int anvil_host_alloc_pinned(@Cast("anvil_context*") long ctx, long bytes, @Cast("void**") long[] out);
    public static native int anvil_host_free_pinned(@Cast("anvil_context*") long ctx, @Cast("void*") long ptr);

    // ------------------------------------------------------------------ memory
    public static native int anvil_malloc(long bytes, @Cast("void**") long[] out);
    public static native int anvil_free(@Cast("void*") long ptr);
    public static native long anvil_live_bytes();

    // ------------------------------------------------------------------ elementwise
    public static native int anvil_fill(@Cast("anvil_context*") long ctx, long n, float value, @Cast("float*") long y);
    public static native int anvil_copy(@Cast("anvil_context*") long ctx, long n, @Cast("const float*") long x, @Cast("float*") long y);
    public static native int anvil_scale(@Cast("anvil_context*") long ctx, long n, float alpha, @Cast("float*") long x);
    public static native int anvil_axpy(@Cast("anvil_context*") long ctx, long n, float alpha, @Cast("const float*") long x, @Cast("float*") long y);

    // ------------------------------------------------------------------ conv2d
    @Name("anvil_conv2d_desc")
    public static class Conv2dDesc extends Pointer {
        static {
            Loader.load();
        }

        public Conv2dDesc() {
            allocate();
        }

        private native void allocate();

        public native @Cast("int64_t") long batch(); public native Conv2dDesc batch(long v);
        public native @Cast("int64_t") long in_channels(); public native Conv2dDesc in_channels(long v);
        public native @Cast("int64_t") long in_h(); public native Conv2dDesc in_h(long v);
        public native @Cast("int64_t") long in_w(); public native Conv2dDesc in_w(long v);
        public native @Cast("int64_t") long out_channels(); public native Conv2dDesc out_channels(long v);
        public native @Cast("int64_t") long kernel_h(); public native Conv2dDesc kernel_h(long v);
        public native @Cast("int64_t") long kernel_w(); public native Conv2dDesc kernel_w(long v);
        public native @Cast("int64_t") long stride_h(); public native Conv2dDesc stride_h(long v);
        public native @Cast("int64_t") long stride_w(); public native Conv2dDesc stride_w(long v);
        public native @Cast("int64_t") long pad_h(); public native Conv2dDesc pad_h(long v);
        public native @Cast("int64_t") long pad_w(); public native Conv2dDesc pad_w(long v);
        public native @Cast("int64_t") long dilation_h(); public native Conv2dDesc dilation_h(long v);
        public native @Cast("int64_t") long dilation_w(); public native Conv2dDesc dilation_w(long v);
        public native @Cast("int64_t") long groups(); public native Conv2dDesc groups(long v);
    }

    public static native int anvil_conv2d_output_size(@Const Conv2dDesc d, @Cast("int64_t*") long[] outH, @Cast("int64_t*") long[] outW);
    public static native int anvil_conv2d_forward(@Cast("anvil_context*") long ctx, @Const Conv2dDesc d, @Cast("const float*") long x,
            @Cast("const float*") long w, @Cast("const float*") long bias, @Cast("float*") long y);
    public static native int anvil_conv2d_backward_data(@Cast("anvil_context*") long ctx, @Const Conv2dDesc d, @Cast("const float*") long dy,
            @Cast("const float*") long w, @Cast("float*") long dx);
    public static native int anvil_conv2d_backward_weight(@Cast("anvil_context*") long ctx, @Const Conv2dDesc d, @Cast("const float*") long x,
            @Cast("const float*") long dy, @Cast("float*") long dw, @Cast("float*") long db, int accumulate);

    // ------------------------------------------------------------------ pool2d
    @Name("anvil_pool2d_desc")
    public static class Pool2dDesc extends Pointer {
        static {
            Loader.load();
        }

        public Pool2dDesc() {
            allocate();
        }

        private native void allocate();

        public native @Cast("int64_t") long batch(); public native Pool2dDesc batch(long v);
        public native @Cast("int64_t") long channels(); public native Pool2dDesc channels(long v);
        public native @Cast("int64_t") long in_h(); public native Pool2dDesc in_h(long v);
        public native @Cast("int64_t") long in_w(); public native Pool2dDesc in_w(long v);
        public native @Cast("int64_t") long kernel_h(); public native Pool2dDesc kernel_h(long v);
        public native @Cast("int64_t") long kernel_w(); public native Pool2dDesc kernel_w(long v);
        public native @Cast("int64_t") long stride_h(); public native Pool2dDesc stride_h(long v);
        public native @Cast("int64_t") long stride_w(); public native Pool2dDesc stride_w(long v);
        public native @Cast("int64_t") long pad_h(); public native Pool2dDesc pad_h(long v);
        public native @Cast("int64_t") long pad_w(); public native Pool2dDesc pad_w(long v);
        public native int count_include_pad(); public native Pool2dDesc count_include_pad(int v);
        public native int reserved(); public native Pool2dDesc reserved(int v);
    }

    public static native int anvil_pool2d_output_size(@Const Pool2dDesc d, @Cast("int64_t*") long[] outH, @Cast("int64_t*") long[] outW);
    public static native int anvil_maxpool2d_index_bytes(@Const Pool2dDesc d, @Cast("int64_t*") long[] out);
    public static native int anvil_maxpool2d_forward(@Cast("anvil_context*") long ctx, @Const Pool2dDesc d, @Cast("const float*") long x,
            @Cast("float*") long y, @Cast("void*") long argmax);
    public static native int anvil_maxpool2d_backward(@Cast("anvil_context*") long ctx, @Const Pool2dDesc d, @Cast("const float*") long dy,
            @Cast("const void*") long argmax, @Cast("float*") long dx);
    public static native int anvil_avgpool2d_forward(@Cast("anvil_context*") long ctx, @Const Pool2dDesc d, @Cast("const float*") long x,
            @Cast("float*") long y);
    public static native int anvil_avgpool2d_backward(@Cast("anvil_context*") long ctx, @Const Pool2dDesc d, @Cast("const float*") long dy,
            @Cast("float*") long dx);

    // ------------------------------------------------------------------ linear
    @Name("anvil_linear_desc")
    public static class LinearDesc extends Pointer {
        static {
            Loader.load();
        }

        public LinearDesc() {
            allocate();
        }

        private native void allocate();

        public native @Cast("int64_t") long batch(); public native LinearDesc batch(long v);
        public native @Cast("int64_t") long in_features(); public native LinearDesc in_features(long v);
        public native @Cast("int64_t") long out_features(); public native LinearDesc out_features(long v);
    }

    public static native int anvil_linear_forward(@Cast("anvil_context*") long ctx, @Const LinearDesc d, @Cast("const float*") long x,
            @Cast("const float*") long w, @Cast("const float*") long bias, @Cast("float*") long y);
    public static native int anvil_linear_backward_data(@Cast("anvil_context*") long ctx, @Const LinearDesc d, @Cast("const float*") long dy,
            @Cast("const float*") long w, @Cast("float*") long dx);
    public static native int anvil_linear_backward_weight(@Cast("anvil_context*") long ctx, @Const LinearDesc d, @Cast("const float*") long x,
            @Cast("const float*") long dy, @Cast("float*") long dw, @Cast("float*") long db, int accumulate);

    // ------------------------------------------------------------------ activation
    public static native int anvil_relu_forward(@Cast("anvil_context*") long ctx, long n, @Cast("const float*") long x, @Cast("float*") long y);
    public static native int anvil_relu_backward(@Cast("anvil_context*") long ctx, long n, @Cast("const float*") long y,
            @Cast("const float*") long dy, @Cast("float*") long dx);
    public static native int anvil_dropout_forward(@Cast("anvil_context*") long ctx, long n, float p, @Cast("uint64_t") long seed,
            @Cast("const float*") long x, @Cast("float*") long y);
    public static native int anvil_dropout_backward(@Cast("anvil_context*") long ctx, long n, float p, @Cast("uint64_t") long seed,
            @Cast("const float*") long dy, @Cast("float*") long dx);

    // ------------------------------------------------------------------ loss
    public static native int anvil_softmax_cross_entropy_forward(@Cast("anvil_context*") long ctx, long batch, long classes,
            @Cast("const float*") long logits, @Cast("const int32_t*") long labels, @Cast("float*") float[] loss);
    public static native int anvil_softmax_cross_entropy_backward(@Cast("anvil_context*") long ctx, long batch, long classes,
            @Cast("const float*") long logits, @Cast("const int32_t*") long labels, float scale, @Cast("float*") long dlogits);
    public static native int anvil_argmax(@Cast("anvil_context*") long ctx, long batch, long classes, @Cast("const float*") long logits,
            @Cast("int32_t*") long predictions);

    // ------------------------------------------------------------------ optimizers
    @Name("anvil_sgd_desc")
    public static class SgdDesc extends Pointer {
        static {
            Loader.load();
        }

        public SgdDesc() {
            allocate();
        }

        private native void allocate();

        public native float lr(); public native SgdDesc lr(float v);
        public native float momentum(); public native SgdDesc momentum(float v);
        public native float dampening(); public native SgdDesc dampening(float v);
        public native float weight_decay(); public native SgdDesc weight_decay(float v);
        public native int nesterov(); public native SgdDesc nesterov(int v);
        public native int reserved(); public native SgdDesc reserved(int v);
    }

    public static native int anvil_sgd_step(@Cast("anvil_context*") long ctx, @Const SgdDesc d, long step, long n, @Cast("float*") long param,
            @Cast("const float*") long grad, @Cast("float*") long velocity);

    @Name("anvil_adam_desc")
    public static class AdamDesc extends Pointer {
        static {
            Loader.load();
        }

        public AdamDesc() {
            allocate();
        }

        private native void allocate();

        public native float lr(); public native AdamDesc lr(float v);
        public native float beta1(); public native AdamDesc beta1(float v);
        public native float beta2(); public native AdamDesc beta2(float v);
        public native float eps(); public native AdamDesc eps(float v);
        public native float weight_decay(); public native AdamDesc weight_decay(float v);
        public native int decoupled(); public native AdamDesc decoupled(int v);
    }

    public static native int anvil_adam_step(@Cast("anvil_context*") long ctx, @Const AdamDesc d, long step, long n, @Cast("float*") long param,
            @Cast("const float*") long grad, @Cast("float*") long m, @Cast("float*") long v);

    // ------------------------------------------------------------------ plug-ins
    public static native int anvil_plugin_load(String path, @Cast("anvil_plugin**") long[] out);
    public static native int anvil_plugin_unload(@Cast("anvil_plugin*") long plugin);
    public static native int anvil_plugin_name(@Cast("const anvil_plugin*") long plugin, @Cast("const char**") PointerPointer<?> out);
    public static native int anvil_plugin_op_count(@Cast("const anvil_plugin*") long plugin, @Cast("int32_t*") int[] out);
    public static native int anvil_plugin_op_find(@Cast("const anvil_plugin*") long plugin, String name, @Cast("int32_t*") int[] out);
    public static native int anvil_plugin_op_name(@Cast("const anvil_plugin*") long plugin, int op, @Cast("const char**") PointerPointer<?> out);
    public static native int anvil_plugin_op_description(@Cast("const anvil_plugin*") long plugin, int op,
            @Cast("const char**") PointerPointer<?> out);
    public static native int anvil_plugin_op_num_params(@Cast("const anvil_plugin*") long plugin, int op, @Cast("int32_t*") int[] out);
    public static native int anvil_plugin_op_output_shape(@Cast("const anvil_plugin*") long plugin, int op,
            @Cast("const int64_t*") long[] shape, int rank, @Cast("const float*") float[] params, int numParams,
            @Cast("int64_t*") long[] outShape, @Cast("int32_t*") int[] outRank);
    public static native int anvil_plugin_op_forward(@Cast("anvil_context*") long ctx, @Cast("const anvil_plugin*") long plugin, int op,
            @Cast("const int64_t*") long[] shape, int rank, @Cast("const float*") float[] params, int numParams,
            @Cast("const float*") long x, @Cast("float*") long y);
    public static native int anvil_plugin_op_backward(@Cast("anvil_context*") long ctx, @Cast("const anvil_plugin*") long plugin, int op,
            @Cast("const int64_t*") long[] shape, int rank, @Cast("const float*") float[] params, int numParams,
            @Cast("const float*") long x, @Cast("const float*") long y, @Cast("const float*") long dy, @Cast("float*") long dx);

    // ------------------------------------------------------------------ MPI
    public static native int anvil_mpi_available();
    public static native int anvil_mpi_init();
    public static native int anvil_mpi_rank(@Cast("int32_t*") int[] out);
    public static native int anvil_mpi_size(@Cast("int32_t*") int[] out);
    public static native int anvil_mpi_allreduce_sum(@Cast("float*") long data, long n, long timeoutMs);
    public static native int anvil_mpi_bcast(@Cast("void*") long data, long bytes, int root, long timeoutMs);
    public static native int anvil_mpi_barrier(long timeoutMs);
    public static native int anvil_mpi_allgather(@Cast("const void*") long mine, long bytes, @Cast("void*") long all, long timeoutMs);
    public static native int anvil_mpi_finalize();
    public static native int anvil_mpi_abort(int code);
}
