package dev.anvil.internal;

import static java.lang.foreign.MemorySegment.ofAddress;

import dev.anvil.ffm.anvil_adam_desc;
import dev.anvil.ffm.anvil_allocator_stats;
import dev.anvil.ffm.anvil_conv2d_desc;
import dev.anvil.ffm.anvil_cuda_device_props;
import dev.anvil.ffm.anvil_h;
import dev.anvil.ffm.anvil_linear_desc;
import dev.anvil.ffm.anvil_pool2d_desc;
import dev.anvil.ffm.anvil_sgd_desc;
import dev.anvil.jni.AnvilLib;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Loader;

/**
 * {@link Binding} through java.lang.foreign (JDK 22+): adapts the jextract-style {@code dev.anvil.ffm}
 * classes. Addresses travel as zero-length segments ({@code MemorySegment.ofAddress}), never as
 * copies; descriptors and output parameters go through a native scratch segment that each thread
 * allocates once. Functions that are always short and never call back (queries, output sizes) are
 * linked as critical, which skips the thread-state transition; the compute calls are not, since they
 * may run for seconds.
 *
 * <p>libanvil is the one inside the anvil-jni jar, extracted by JavaCPP's {@link Loader} to its
 * cache and loaded with {@link System#load}, where the {@code anvil_h} lookup finds its symbols.
 */
final class FfmBinding implements Binding {
    /** Scratch layout: the largest descriptor, then two 8-byte output slots. */
    private static final long DESC_BYTES = anvil_conv2d_desc.sizeof();
    private static final long SCRATCH_BYTES = DESC_BYTES + 16;

    private static final MethodHandle ABI_VERSION;
    private static final MethodHandle LIVE_BYTES;
    private static final MethodHandle LAST_ERROR;
    private static final MethodHandle NUM_THREADS;
    private static final MethodHandle WORKSPACE_BYTES;
    private static final MethodHandle CONV2D_OUTPUT_SIZE;
    private static final MethodHandle POOL2D_OUTPUT_SIZE;

    static {
        String lib = Loader.getPlatform() + "/" + System.mapLibraryName("anvil");
        try {
            System.load(Loader.cacheResource(AnvilLib.class, lib).getAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + lib + " from the anvil-jni jar", e);
        }
        ABI_VERSION = critical(anvil_h.anvil_abi_version$address(), anvil_h.anvil_abi_version$descriptor());
        LIVE_BYTES = critical(anvil_h.anvil_live_bytes$address(), anvil_h.anvil_live_bytes$descriptor());
        LAST_ERROR = critical(anvil_h.anvil_last_error$address(), anvil_h.anvil_last_error$descriptor());
        NUM_THREADS = critical(anvil_h.anvil_context_num_threads$address(),
                anvil_h.anvil_context_num_threads$descriptor());
        WORKSPACE_BYTES = critical(anvil_h.anvil_context_workspace_bytes$address(),
                anvil_h.anvil_context_workspace_bytes$descriptor());
        CONV2D_OUTPUT_SIZE = critical(anvil_h.anvil_conv2d_output_size$address(),
                anvil_h.anvil_conv2d_output_size$descriptor());
        POOL2D_OUTPUT_SIZE = critical(anvil_h.anvil_pool2d_output_size$address(),
                anvil_h.anvil_pool2d_output_size$descriptor());
    }

    /** A thread's scratch memory: one descriptor and two output slots. */
    private record Scratch(MemorySegment desc, MemorySegment out0, MemorySegment out1) {
        static Scratch allocate() {
            MemorySegment s = Arena.ofAuto().allocate(SCRATCH_BYTES, Long.BYTES);
            return new Scratch(s.asSlice(0, DESC_BYTES), s.asSlice(DESC_BYTES, 8), s.asSlice(DESC_BYTES + 8, 8));
        }
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::allocate);

    private static MethodHandle critical(MemorySegment function, FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(function, descriptor, Linker.Option.critical(false));
    }

    /** invokeExact on a critical handle throws Throwable only for a bug of ours. */
    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }

    private static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? null : cString.getString(0);
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public ByteBuffer view(long address, long bytes) {
        return ofAddress(address).reinterpret(bytes).asByteBuffer();
    }

    private MemorySegment conv(Conv2dDesc d) {
        MemorySegment s = scratch.get().desc();
        anvil_conv2d_desc.batch(s, d.batch());
        anvil_conv2d_desc.in_channels(s, d.in_channels());
        anvil_conv2d_desc.in_h(s, d.in_h());
        anvil_conv2d_desc.in_w(s, d.in_w());
        anvil_conv2d_desc.out_channels(s, d.out_channels());
        anvil_conv2d_desc.kernel_h(s, d.kernel_h());
        anvil_conv2d_desc.kernel_w(s, d.kernel_w());
        anvil_conv2d_desc.stride_h(s, d.stride_h());
        anvil_conv2d_desc.stride_w(s, d.stride_w());
        anvil_conv2d_desc.pad_h(s, d.pad_h());
        anvil_conv2d_desc.pad_w(s, d.pad_w());
        anvil_conv2d_desc.dilation_h(s, d.dilation_h());
        anvil_conv2d_desc.dilation_w(s, d.dilation_w());
        anvil_conv2d_desc.groups(s, d.groups());
        return s;
    }

    private MemorySegment pool(Pool2dDesc d) {
        MemorySegment s = scratch.get().desc();
        anvil_pool2d_desc.batch(s, d.batch());
        anvil_pool2d_desc.channels(s, d.channels());
        anvil_pool2d_desc.in_h(s, d.in_h());
        anvil_pool2d_desc.in_w(s, d.in_w());
        anvil_pool2d_desc.kernel_h(s, d.kernel_h());
        anvil_pool2d_desc.kernel_w(s, d.kernel_w());
        anvil_pool2d_desc.stride_h(s, d.stride_h());
        anvil_pool2d_desc.stride_w(s, d.stride_w());
        anvil_pool2d_desc.pad_h(s, d.pad_h());
        anvil_pool2d_desc.pad_w(s, d.pad_w());
        anvil_pool2d_desc.count_include_pad(s, d.count_include_pad());
        anvil_pool2d_desc.reserved(s, d.reserved());
        return s;
    }

    private MemorySegment linear(LinearDesc d) {
        MemorySegment s = scratch.get().desc();
        anvil_linear_desc.batch(s, d.batch());
        anvil_linear_desc.in_features(s, d.in_features());
        anvil_linear_desc.out_features(s, d.out_features());
        return s;
    }

    private MemorySegment sgd(SgdDesc d) {
        MemorySegment s = scratch.get().desc();
        anvil_sgd_desc.lr(s, d.lr());
        anvil_sgd_desc.momentum(s, d.momentum());
        anvil_sgd_desc.dampening(s, d.dampening());
        anvil_sgd_desc.weight_decay(s, d.weight_decay());
        anvil_sgd_desc.nesterov(s, d.nesterov());
        anvil_sgd_desc.reserved(s, d.reserved());
        return s;
    }

    private MemorySegment adam(AdamDesc d) {
        MemorySegment s = scratch.get().desc();
        anvil_adam_desc.lr(s, d.lr());
        anvil_adam_desc.beta1(s, d.beta1());
        anvil_adam_desc.beta2(s, d.beta2());
        anvil_adam_desc.eps(s, d.eps());
        anvil_adam_desc.weight_decay(s, d.weight_decay());
        anvil_adam_desc.decoupled(s, d.decoupled());
        return s;
    }

    // ------------------------------------------------------------------ library

    @Override
    public String anvil_version() {
        return string(anvil_h.anvil_version());
    }

    @Override
    public int anvil_abi_version() {
        try {
            return (int) ABI_VERSION.invokeExact();
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    @Override
    public String anvil_last_error() {
        try {
            return string((MemorySegment) LAST_ERROR.invokeExact());
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    @Override
    public String anvil_cpu_features() {
        return string(anvil_h.anvil_cpu_features());
    }

    @Override
    public String anvil_gemm_kernel() {
        return string(anvil_h.anvil_gemm_kernel());
    }

    // ------------------------------------------------------------------ context

    @Override
    public int anvil_context_create(int numThreads, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_context_create(numThreads, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_context_destroy(long ctx) {
        return anvil_h.anvil_context_destroy(ofAddress(ctx));
    }

    @Override
    public int anvil_context_num_threads(long ctx, int[] out) {
        MemorySegment slot = scratch.get().out0();
        try {
            int status = (int) NUM_THREADS.invokeExact(ofAddress(ctx), slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    @Override
    public int anvil_context_workspace_bytes(long ctx, long[] out) {
        MemorySegment slot = scratch.get().out0();
        try {
            int status = (int) WORKSPACE_BYTES.invokeExact(ofAddress(ctx), slot);
            out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
            return status;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    // ------------------------------------------------------------------ CUDA devices
    // Device queries and context management are rare calls: a confined arena per call.

    @Override
    public int anvil_cuda_available() {
        return anvil_h.anvil_cuda_available();
    }

    @Override
    public int anvil_cuda_device_count(int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_cuda_device_count(slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_cuda_device_props_get(int device, CudaDeviceProps out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(anvil_cuda_device_props.layout());
            int status = anvil_h.anvil_cuda_device_props_get(device, p);
            if (status == AnvilLib.ANVIL_OK) {
                out.set(anvil_cuda_device_props.name(p), anvil_cuda_device_props.total_memory(p), anvil_cuda_device_props.major(p),
                        anvil_cuda_device_props.minor(p), anvil_cuda_device_props.multiprocessors(p),
                        anvil_cuda_device_props.driver_version(p), anvil_cuda_device_props.runtime_version(p),
                        anvil_cuda_device_props.reserved(p));
            }
            return status;
        }
    }

    @Override
    public int anvil_context_create_cuda(int device, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_context_create_cuda(device, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_context_device(long ctx, int[] deviceType, int[] deviceIndex) {
        Scratch s = scratch.get();
        int status = anvil_h.anvil_context_device(ofAddress(ctx), s.out0(), s.out1());
        deviceType[0] = s.out0().get(ValueLayout.JAVA_INT, 0);
        deviceIndex[0] = s.out1().get(ValueLayout.JAVA_INT, 0);
        return status;
    }

    @Override
    public int anvil_context_synchronize(long ctx) {
        return anvil_h.anvil_context_synchronize(ofAddress(ctx));
    }

    @Override
    public int anvil_context_query(long ctx, int[] done) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_context_query(ofAddress(ctx), slot);
            done[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_context_cuda_stream(long ctx, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_context_cuda_stream(ofAddress(ctx), slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_context_malloc(long ctx, long bytes, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_context_malloc(ofAddress(ctx), bytes, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_context_free(long ctx, long ptr) {
        return anvil_h.anvil_context_free(ofAddress(ctx), ofAddress(ptr));
    }

    @Override
    public int anvil_context_allocator_stats(long ctx, AllocatorStats out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(anvil_allocator_stats.layout());
            int status = anvil_h.anvil_context_allocator_stats(ofAddress(ctx), st);
            if (status == AnvilLib.ANVIL_OK) {
                out.set(anvil_allocator_stats.allocated(st), anvil_allocator_stats.reserved(st),
                        anvil_allocator_stats.peak_allocated(st), anvil_allocator_stats.allocations(st),
                        anvil_allocator_stats.cache_hits(st));
            }
            return status;
        }
    }

    @Override
    public int anvil_context_empty_cache(long ctx) {
        return anvil_h.anvil_context_empty_cache(ofAddress(ctx));
    }

    @Override
    public int anvil_memcpy(long ctx, long dst, long src, long bytes, int kind) {
        return anvil_h.anvil_memcpy(ofAddress(ctx), ofAddress(dst), ofAddress(src), bytes, kind);
    }

    @Override
    public int anvil_host_alloc_pinned(long ctx, long bytes, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_host_alloc_pinned(ofAddress(ctx), bytes, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_host_free_pinned(long ctx, long ptr) {
        return anvil_h.anvil_host_free_pinned(ofAddress(ctx), ofAddress(ptr));
    }

    // ------------------------------------------------------------------ memory

    @Override
    public int anvil_malloc(long bytes, long[] out) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_malloc(bytes, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_free(long ptr) {
        return anvil_h.anvil_free(ofAddress(ptr));
    }

    @Override
    public long anvil_live_bytes() {
        try {
            return (long) LIVE_BYTES.invokeExact();
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public int anvil_fill(long ctx, long n, float value, long y) {
        return anvil_h.anvil_fill(ofAddress(ctx), n, value, ofAddress(y));
    }

    @Override
    public int anvil_copy(long ctx, long n, long x, long y) {
        return anvil_h.anvil_copy(ofAddress(ctx), n, ofAddress(x), ofAddress(y));
    }

    @Override
    public int anvil_scale(long ctx, long n, float alpha, long x) {
        return anvil_h.anvil_scale(ofAddress(ctx), n, alpha, ofAddress(x));
    }

    @Override
    public int anvil_axpy(long ctx, long n, float alpha, long x, long y) {
        return anvil_h.anvil_axpy(ofAddress(ctx), n, alpha, ofAddress(x), ofAddress(y));
    }

    // ------------------------------------------------------------------ conv2d

    @Override
    public int anvil_conv2d_output_size(Conv2dDesc d, long[] outH, long[] outW) {
        return outputSize(CONV2D_OUTPUT_SIZE, conv(d), outH, outW);
    }

    /** Calls an output-size function and copies its two results out of the scratch slots. */
    private int outputSize(MethodHandle function, MemorySegment desc, long[] outH, long[] outW) {
        Scratch s = scratch.get();
        try {
            int status = (int) function.invokeExact(desc, s.out0(), s.out1());
            outH[0] = s.out0().get(ValueLayout.JAVA_LONG, 0);
            outW[0] = s.out1().get(ValueLayout.JAVA_LONG, 0);
            return status;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    @Override
    public int anvil_conv2d_forward(long ctx, Conv2dDesc d, long x, long w, long bias, long y) {
        return anvil_h.anvil_conv2d_forward(ofAddress(ctx), conv(d), ofAddress(x), ofAddress(w), ofAddress(bias),
                ofAddress(y));
    }

    @Override
    public int anvil_conv2d_backward_data(long ctx, Conv2dDesc d, long dy, long w, long dx) {
        return anvil_h.anvil_conv2d_backward_data(ofAddress(ctx), conv(d), ofAddress(dy), ofAddress(w), ofAddress(dx));
    }

    @Override
    public int anvil_conv2d_backward_weight(long ctx, Conv2dDesc d, long x, long dy, long dw, long db, int accumulate) {
        return anvil_h.anvil_conv2d_backward_weight(ofAddress(ctx), conv(d), ofAddress(x), ofAddress(dy), ofAddress(dw),
                ofAddress(db), accumulate);
    }

    // ------------------------------------------------------------------ pool2d

    @Override
    public int anvil_pool2d_output_size(Pool2dDesc d, long[] outH, long[] outW) {
        return outputSize(POOL2D_OUTPUT_SIZE, pool(d), outH, outW);
    }

    @Override
    public int anvil_maxpool2d_index_bytes(Pool2dDesc d, long[] out) {
        MemorySegment desc = pool(d), slot = scratch.get().out0();
        int status = anvil_h.anvil_maxpool2d_index_bytes(desc, slot);
        out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
        return status;
    }

    @Override
    public int anvil_maxpool2d_forward(long ctx, Pool2dDesc d, long x, long y, long argmax) {
        return anvil_h.anvil_maxpool2d_forward(ofAddress(ctx), pool(d), ofAddress(x), ofAddress(y), ofAddress(argmax));
    }

    @Override
    public int anvil_maxpool2d_backward(long ctx, Pool2dDesc d, long dy, long argmax, long dx) {
        return anvil_h.anvil_maxpool2d_backward(ofAddress(ctx), pool(d), ofAddress(dy), ofAddress(argmax),
                ofAddress(dx));
    }

    @Override
    public int anvil_avgpool2d_forward(long ctx, Pool2dDesc d, long x, long y) {
        return anvil_h.anvil_avgpool2d_forward(ofAddress(ctx), pool(d), ofAddress(x), ofAddress(y));
    }

    @Override
    public int anvil_avgpool2d_backward(long ctx, Pool2dDesc d, long dy, long dx) {
        return anvil_h.anvil_avgpool2d_backward(ofAddress(ctx), pool(d), ofAddress(dy), ofAddress(dx));
    }

    // ------------------------------------------------------------------ linear

    @Override
    public int anvil_linear_forward(long ctx, LinearDesc d, long x, long w, long bias, long y) {
        return anvil_h.anvil_linear_forward(ofAddress(ctx), linear(d), ofAddress(x), ofAddress(w), ofAddress(bias),
                ofAddress(y));
    }

    @Override
    public int anvil_linear_backward_data(long ctx, LinearDesc d, long dy, long w, long dx) {
        return anvil_h.anvil_linear_backward_data(ofAddress(ctx), linear(d), ofAddress(dy), ofAddress(w), ofAddress(dx));
    }

    @Override
    public int anvil_linear_backward_weight(long ctx, LinearDesc d, long x, long dy, long dw, long db, int accumulate) {
        return anvil_h.anvil_linear_backward_weight(ofAddress(ctx), linear(d), ofAddress(x), ofAddress(dy),
                ofAddress(dw), ofAddress(db), accumulate);
    }

    // ------------------------------------------------------------------ activation

    @Override
    public int anvil_relu_forward(long ctx, long n, long x, long y) {
        return anvil_h.anvil_relu_forward(ofAddress(ctx), n, ofAddress(x), ofAddress(y));
    }

    @Override
    public int anvil_relu_backward(long ctx, long n, long y, long dy, long dx) {
        return anvil_h.anvil_relu_backward(ofAddress(ctx), n, ofAddress(y), ofAddress(dy), ofAddress(dx));
    }

    @Override
    public int anvil_dropout_forward(long ctx, long n, float p, long seed, long x, long y) {
        return anvil_h.anvil_dropout_forward(ofAddress(ctx), n, p, seed, ofAddress(x), ofAddress(y));
    }

    @Override
    public int anvil_dropout_backward(long ctx, long n, float p, long seed, long dy, long dx) {
        return anvil_h.anvil_dropout_backward(ofAddress(ctx), n, p, seed, ofAddress(dy), ofAddress(dx));
    }

    // ------------------------------------------------------------------ loss

    @Override
    public int anvil_softmax_cross_entropy_forward(long ctx, long batch, long classes, long logits, long labels,
            float[] loss) {
        MemorySegment slot = scratch.get().out0();
        int status = anvil_h.anvil_softmax_cross_entropy_forward(ofAddress(ctx), batch, classes, ofAddress(logits),
                ofAddress(labels), slot);
        loss[0] = slot.get(ValueLayout.JAVA_FLOAT, 0);
        return status;
    }

    @Override
    public int anvil_softmax_cross_entropy_backward(long ctx, long batch, long classes, long logits, long labels,
            float scale, long dlogits) {
        return anvil_h.anvil_softmax_cross_entropy_backward(ofAddress(ctx), batch, classes, ofAddress(logits),
                ofAddress(labels), scale, ofAddress(dlogits));
    }

    @Override
    public int anvil_argmax(long ctx, long batch, long classes, long logits, long predictions) {
        return anvil_h.anvil_argmax(ofAddress(ctx), batch, classes, ofAddress(logits), ofAddress(predictions));
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public int anvil_sgd_step(long ctx, SgdDesc d, long step, long n, long param, long grad, long velocity) {
        return anvil_h.anvil_sgd_step(ofAddress(ctx), sgd(d), step, n, ofAddress(param), ofAddress(grad),
                ofAddress(velocity));
    }

    @Override
    public int anvil_adam_step(long ctx, AdamDesc d, long step, long n, long param, long grad, long m, long v) {
        return anvil_h.anvil_adam_step(ofAddress(ctx), adam(d), step, n, ofAddress(param), ofAddress(grad),
                ofAddress(m), ofAddress(v));
    }

    // ------------------------------------------------------------------ plug-ins
    // Rare calls (loading, naming) and small arrays: a confined arena per call is simple and cheap
    // next to the op itself.

    /** The C string a {@code const char**} output slot points to. */
    private static String stringAt(MemorySegment slot) {
        return string(slot.get(ValueLayout.ADDRESS, 0).reinterpret(Long.MAX_VALUE));
    }

    @Override
    public int anvil_plugin_load(String path, long[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int status = anvil_h.anvil_plugin_load(arena.allocateFrom(path), slot);
            out[0] = slot.get(ValueLayout.JAVA_LONG, 0);
            return status;
        }
    }

    @Override
    public int anvil_plugin_unload(long plugin) {
        return anvil_h.anvil_plugin_unload(ofAddress(plugin));
    }

    @Override
    public int anvil_plugin_name(long plugin, String[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int status = anvil_h.anvil_plugin_name(ofAddress(plugin), slot);
            out[0] = status == AnvilLib.ANVIL_OK ? stringAt(slot) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_count(long plugin, int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_plugin_op_count(ofAddress(plugin), slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_find(long plugin, String name, int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_plugin_op_find(ofAddress(plugin), arena.allocateFrom(name), slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_name(long plugin, int op, String[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int status = anvil_h.anvil_plugin_op_name(ofAddress(plugin), op, slot);
            out[0] = status == AnvilLib.ANVIL_OK ? stringAt(slot) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_description(long plugin, int op, String[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int status = anvil_h.anvil_plugin_op_description(ofAddress(plugin), op, slot);
            out[0] = status == AnvilLib.ANVIL_OK ? stringAt(slot) : null;
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_num_params(long plugin, int op, int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_plugin_op_num_params(ofAddress(plugin), op, slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_output_shape(long plugin, int op, long[] shape, int rank, float[] params, int numParams,
            long[] outShape, int[] outRank) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = arena.allocate(ValueLayout.JAVA_LONG, outShape.length);
            MemorySegment rankSlot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_plugin_op_output_shape(ofAddress(plugin), op, longs(arena, shape), rank,
                    floats(arena, params), numParams, dims, rankSlot);
            MemorySegment.copy(dims, ValueLayout.JAVA_LONG, 0, outShape, 0, outShape.length);
            outRank[0] = rankSlot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_plugin_op_forward(long ctx, long plugin, int op, long[] shape, int rank, float[] params,
            int numParams, long x, long y) {
        try (Arena arena = Arena.ofConfined()) {
            return anvil_h.anvil_plugin_op_forward(ofAddress(ctx), ofAddress(plugin), op, longs(arena, shape), rank,
                    floats(arena, params), numParams, ofAddress(x), ofAddress(y));
        }
    }

    @Override
    public int anvil_plugin_op_backward(long ctx, long plugin, int op, long[] shape, int rank, float[] params,
            int numParams, long x, long y, long dy, long dx) {
        try (Arena arena = Arena.ofConfined()) {
            return anvil_h.anvil_plugin_op_backward(ofAddress(ctx), ofAddress(plugin), op, longs(arena, shape), rank,
                    floats(arena, params), numParams, ofAddress(x), ofAddress(y), ofAddress(dy), ofAddress(dx));
        }
    }

    // ------------------------------------------------------------------ MPI
    // Plain downcalls, never critical ones: a collective may wait for its peers up to its timeout,
    // and a critical downcall would hold off the garbage collector all that time.

    @Override
    public int anvil_mpi_available() {
        return anvil_h.anvil_mpi_available();
    }

    @Override
    public int anvil_mpi_init() {
        return anvil_h.anvil_mpi_init();
    }

    @Override
    public int anvil_mpi_rank(int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_mpi_rank(slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_mpi_size(int[] out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ValueLayout.JAVA_INT);
            int status = anvil_h.anvil_mpi_size(slot);
            out[0] = slot.get(ValueLayout.JAVA_INT, 0);
            return status;
        }
    }

    @Override
    public int anvil_mpi_allreduce_sum(long data, long n, long timeoutMs) {
        return anvil_h.anvil_mpi_allreduce_sum(ofAddress(data), n, timeoutMs);
    }

    @Override
    public int anvil_mpi_bcast(long data, long bytes, int root, long timeoutMs) {
        return anvil_h.anvil_mpi_bcast(ofAddress(data), bytes, root, timeoutMs);
    }

    @Override
    public int anvil_mpi_barrier(long timeoutMs) {
        return anvil_h.anvil_mpi_barrier(timeoutMs);
    }

    @Override
    public int anvil_mpi_allgather(long mine, long bytes, long all, long timeoutMs) {
        return anvil_h.anvil_mpi_allgather(ofAddress(mine), bytes, ofAddress(all), timeoutMs);
    }

    @Override
    public int anvil_mpi_finalize() {
        return anvil_h.anvil_mpi_finalize();
    }

    @Override
    public int anvil_mpi_abort(int code) {
        return anvil_h.anvil_mpi_abort(code);
    }

    private static MemorySegment longs(Arena arena, long[] values) {
        return values == null ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_LONG, values);
    }

    private static MemorySegment floats(Arena arena, float[] values) {
        return values == null || values.length == 0 ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_FLOAT, values);
    }
}
