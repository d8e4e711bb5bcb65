package dev.anvil;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.anvil.internal.Native;

/**
 * A dense, row-major tensor in native memory (NCHW for images). A tensor owns its memory and
 * frees it on {@link #close()}; {@link #reshape} gives a view that shares the memory of its base
 * and is valid as long as the base is open. Tensors created while a {@link Scope} is open on the
 * current thread are closed with that scope.
 *
 * <p>Every operation checks that the tensor is open: a closed tensor gives an
 * {@link IllegalStateException} naming its shape, never a crash.
 */
public final class Tensor implements AutoCloseable {
    private final Memory memory;
    private final Tensor base; // null for an owning tensor
    private final long[] shape;
    private final long numel;
    private final DType dtype;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Tensor(Memory memory, Tensor base, long[] shape, DType dtype) {
        this.memory = memory;
        this.base = base;
        this.shape = shape;
        this.numel = numel(shape);
        this.dtype = dtype;
    }

    // ------------------------------------------------------------------ creation

    /** An uninitialised float32 tensor. */
    public static Tensor empty(long... shape) {
        return empty(DType.FLOAT32, shape);
    }

    /** An uninitialised tensor of the given type. */
    public static Tensor empty(DType dtype, long... shape) {
        Tensor t = emptyUnscoped(dtype, shape);
        Scope.track(t);
        return t;
    }

    /**
     * An uninitialised tensor that no {@link Scope} tracks: for objects such as layers and
     * optimizers that own tensors for their own lifetime and close them themselves.
     */
    public static Tensor emptyUnscoped(DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(shape);
        long bytes = Math.multiplyExact(numel(s), (long) dtype.bytes());
        return new Tensor(new Memory(bytes, "tensor " + dtype + Arrays.toString(s)), null, s, dtype);
    }

    /** A float32 tensor of zeros. */
    public static Tensor zeros(long... shape) {
        Tensor t = empty(shape);
        t.zero();
        return t;
    }

    /** A float32 tensor holding a copy of {@code data}, whose length must match the shape. */
    public static Tensor of(float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        Tensor t = empty(shape);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** An int32 tensor holding a copy of {@code data}, whose length must match the shape. */
    public static Tensor ofInts(int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        Tensor t = empty(DType.INT32, shape);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Bytes of tensor memory allocated and not yet closed, process-wide. */
    public static long liveBytes() {
        return Memory.liveBytes();
    }

    // ------------------------------------------------------------------ shape

    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d}; negative d counts from the end. */
    public long size(int d) {
        int i = d < 0 ? shape.length + d : d;
        if (i < 0 || i >= shape.length) {
            throw new IndexOutOfBoundsException("dimension " + d + " of a tensor of shape " + Arrays.toString(shape));
        }
        return shape[i];
    }

    public int dim() {
        return shape.length;
    }

    public long numel() {
        return numel;
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return Device.cpu();
    }

    /** Shape as text, for messages: [64, 1, 28, 28]. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    /**
     * A view of the same memory with another shape of the same element count; one dimension may
     * be -1 and is then inferred. The view is valid while this tensor is open.
     */
    public Tensor reshape(long... newShape) {
        checkOpen();
        long[] s = inferShape(newShape);
        Tensor v = new Tensor(memory, base == null ? this : base, s, dtype);
        return v;
    }

    private long[] inferShape(long[] newShape) {
        Objects.requireNonNull(newShape, "shape");
        long[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) {
                infer = i;
            } else if (s[i] <= 0) {
                throw new IllegalArgumentException("cannot reshape " + shapeString() + " to " + Arrays.toString(newShape)
                        + ": dimensions must be positive (one may be -1)");
            } else {
                known = Math.multiplyExact(known, s[i]);
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + shapeString() + " to " + Arrays.toString(newShape));
            }
            s[infer] = numel / known;
        }
        if (numel(s) != numel) {
            throw new IllegalArgumentException("cannot reshape " + shapeString() + " (" + numel + " elements) to "
                    + Arrays.toString(newShape) + " (" + numel(s) + " elements)");
        }
        return s;
    }

    // ------------------------------------------------------------------ data

    /** Native address of the first element, for kernel calls; checks the tensor is open. */
    public long address() {
        checkOpen();
        return memory.address();
    }

    /** A float view of the data (no copy); valid while the tensor is open. */
    public FloatBuffer floatBuffer() {
        requireType(DType.FLOAT32);
        return bytes().asFloatBuffer();
    }

    /** An int view of the data (no copy); valid while the tensor is open. */
    public IntBuffer intBuffer() {
        requireType(DType.INT32);
        return bytes().asIntBuffer();
    }

    private ByteBuffer bytes() {
        checkOpen();
        ByteBuffer b = memory.buffer();
        b.limit((int) Math.min(Integer.MAX_VALUE, numel * dtype.bytes()));
        return b.order(java.nio.ByteOrder.nativeOrder());
    }

    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel)];
        floatBuffer().get(out);
        return out;
    }

    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(numel)];
        intBuffer().get(out);
        return out;
    }

    /** The single element of a one-element float tensor. */
    public float item() {
        if (numel != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + shapeString());
        return floatBuffer().get(0);
    }

    public Tensor copyFrom(float[] data) {
        Objects.requireNonNull(data, "data");
        requireLength(data.length);
        floatBuffer().put(data);
        return this;
    }

    public Tensor copyFrom(int[] data) {
        Objects.requireNonNull(data, "data");
        requireLength(data.length);
        intBuffer().put(data);
        return this;
    }

    /** Copies the remaining elements of {@code src}, which must be exactly numel(). */
    public Tensor copyFrom(FloatBuffer src) {
        Objects.requireNonNull(src, "src");
        requireLength(src.remaining());
        floatBuffer().put(src.duplicate());
        return this;
    }

    /** Copies another tensor of the same type and element count into this one. */
    public Tensor copyFrom(Tensor src) {
        Objects.requireNonNull(src, "src");
        if (src.dtype != dtype || src.numel != numel) {
            throw new IllegalArgumentException("cannot copy " + src.dtype + src.shapeString() + " into " + dtype + shapeString());
        }
        if (src.memory == memory) return this;
        Native.copy(numel * dtype.bytes() / 4, src.address(), address());
        return this;
    }

    public Tensor fill(float value) {
        requireType(DType.FLOAT32);
        Native.fill(numel, value, address());
        return this;
    }

    public Tensor zero() {
        checkOpen();
        Native.fill(numel * dtype.bytes() / 4, 0f, address());
        return this;
    }

    private void requireLength(long n) {
        if (n != numel) {
            throw new IllegalArgumentException("expected " + numel + " elements for a tensor of shape " + shapeString()
                    + ", got " + n);
        }
    }

    /** Throws unless this tensor has the given type. */
    public void requireType(DType t) {
        if (dtype != t) throw new IllegalArgumentException("expected a " + t + " tensor, got " + dtype + shapeString());
    }

    // ------------------------------------------------------------------ lifetime

    public boolean isClosed() {
        return closed.get() || memory.isFreed();
    }

    /** Throws IllegalStateException if this tensor (or the base of this view) has been closed. */
    public void checkOpen() {
        if (closed.get()) throw new IllegalStateException("tensor " + dtype + shapeString() + " is closed");
        if (memory.isFreed()) {
            throw new IllegalStateException("tensor " + dtype + shapeString() + " is a view of a closed tensor");
        }
    }

    /** Frees the memory (an owning tensor) or detaches the view. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && base == null) memory.free();
    }

    @Override
    public String toString() {
        if (isClosed()) return "Tensor(" + dtype + shapeString() + ", closed)";
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(shapeString()).append(", [");
        int show = (int) Math.min(numel, 8);
        for (int i = 0; i < show; i++) {
            if (i > 0) sb.append(", ");
            sb.append(dtype == DType.FLOAT32 ? String.valueOf(floatBuffer().get(i)) : String.valueOf(intBuffer().get(i)));
        }
        return sb.append(numel > show ? ", ...])" : "])").toString();
    }

    // ------------------------------------------------------------------ helpers

    private static long[] checkShape(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        if (shape.length == 0) throw new IllegalArgumentException("a tensor needs at least one dimension");
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor dimensions must be positive, got " + Arrays.toString(shape));
        }
        numel(shape);
        return shape.clone();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
