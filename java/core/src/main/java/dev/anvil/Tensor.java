package dev.anvil;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.anvil.abi.Abi;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;

/**
 * A dense, row-major tensor in native memory (NCHW for images) on a {@link Device}: host memory
 * for the CPU, device memory for a GPU ({@link #to(Device)} copies between them). A tensor owns
 * its memory and frees it on {@link #close()}; {@link #reshape} and {@link #narrow} give views that share
 * the memory of their base and are valid as long as the base is open. Tensors created while a {@link Scope} is open on the
 * current thread are closed with that scope.
 *
 * <p>Every operation checks that the tensor is open: a closed tensor gives an
 * {@link IllegalStateException} naming its shape, never a crash. The data of a GPU tensor is not
 * addressable from Java: {@link #floatBuffer()} refuses it, while {@link #toFloatArray()},
 * {@link #copyFrom(float[])} and {@link #item()} copy through the host.
 */
public final class Tensor implements AutoCloseable {
    private final Memory memory;
    private final Tensor base; // null for an owning tensor
    private final long offset; // bytes from the start of the memory: views of a part of it
    private final long[] shape;

    static {
        Shapes.register(t -> t.shape);
    }
    private final long numel;
    private final DType dtype;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Tensor(Memory memory, Tensor base, long offset, long[] shape, DType dtype) {
        this.memory = memory;
        this.base = base;
        this.offset = offset;
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
        return empty(Device.cpu(), dtype, shape);
    }

    /** An uninitialised float32 tensor on {@code device}. */
    public static Tensor empty(Device device, long... shape) {
        return empty(device, DType.FLOAT32, shape);
    }

    /** An uninitialised tensor of the given type on {@code device}. */
    public static Tensor empty(Device device, DType dtype, long... shape) {
        Tensor t = emptyUnscoped(device, dtype, shape);
        Scope.track(t);
        return t;
    }

    /**
     * An uninitialised host tensor in page-locked memory registered with CUDA device {@code cuda},
     * from which copies to that GPU are fast and can overlap computation (for data loaders).
     */
    public static Tensor emptyPinned(Device cuda, DType dtype, long... shape) {
        Objects.requireNonNull(cuda, "device");
        if (cuda.type() != Device.Type.CUDA) throw new IllegalArgumentException("pinned memory is for a CUDA device, got " + cuda);
        Tensor t = allocate(cuda, true, dtype, shape);
        Scope.track(t);
        return t;
    }

    /**
     * An uninitialised tensor that no {@link Scope} tracks: for objects such as layers and
     * optimizers that own tensors for their own lifetime and close them themselves.
     */
    public static Tensor emptyUnscoped(DType dtype, long... shape) {
        return emptyUnscoped(Device.cpu(), dtype, shape);
    }

    /** As {@link #emptyUnscoped(DType, long...)}, on {@code device}. */
    public static Tensor emptyUnscoped(Device device, DType dtype, long... shape) {
        return allocate(Objects.requireNonNull(device, "device"), false, dtype, shape);
    }

    /** The most bytes one tensor may hold: 256 TiB, the native allocator's limit. */
    public static final long MAX_BYTES = 1L << 48;

    private static Tensor allocate(Device device, boolean pinned, DType dtype, long[] shape) {
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(shape);
        long n = numel(s);
        if (n > MAX_BYTES / dtype.bytes()) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(s) + " would hold " + n
                    + " elements of " + dtype.bytes() + " bytes, more than the limit of " + MAX_BYTES + " bytes (256 TiB) per tensor");
        }
        long bytes = n * dtype.bytes();
        String what = "tensor " + dtype + Arrays.toString(s) + (device.type() == Device.Type.CPU ? "" : " on " + device);
        return new Tensor(new Memory(bytes, device, pinned, what), null, 0, s, dtype);
    }

    /** A float32 tensor of zeros. */
    public static Tensor zeros(long... shape) {
        return zeros(Device.cpu(), shape);
    }

    /** A float32 tensor of zeros on {@code device}. */
    public static Tensor zeros(Device device, long... shape) {
        Tensor t = empty(device, shape);
        t.zero();
        return t;
    }

    /** A float32 tensor holding a copy of {@code data}, whose length must match the shape. */
    public static Tensor of(float[] data, long... shape) {
        return of(Device.cpu(), data, shape);
    }

    /** A float32 tensor on {@code device} holding a copy of {@code data}. */
    public static Tensor of(Device device, float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        Tensor t = empty(device, shape);
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
        return ofInts(Device.cpu(), data, shape);
    }

    /** An int64 tensor holding a copy of {@code data}. */
    public static Tensor ofLongs(long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        Tensor t = empty(Device.cpu(), DType.INT64, shape);
        try {
            t.requireLength(data.length);
            t.bytes().asLongBuffer().put(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** An int32 tensor on {@code device} holding a copy of {@code data}. */
    public static Tensor ofInts(Device device, int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        Tensor t = empty(device, DType.INT32, shape);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Bytes of tensor memory allocated and not yet closed, process-wide, on every device. */
    public static long liveBytes() {
        return Memory.liveBytes();
    }

    /** Bytes of tensor memory on {@code device} (pinned host memory counts as the CPU's) not yet closed. */
    public static long liveBytes(Device device) {
        return Memory.liveBytes(Objects.requireNonNull(device, "device"));
    }

    /**
     * The most bytes of tensor memory live at once on {@code device} (pinned host memory counts as
     * the CPU's) since the start of the process or the last {@link #resetPeakLiveBytes}.
     */
    public static long peakLiveBytes(Device device) {
        return Memory.peakBytes(Objects.requireNonNull(device, "device"));
    }

    /** Starts a new peak for {@link #peakLiveBytes} at the bytes live now. */
    public static void resetPeakLiveBytes(Device device) {
        Memory.resetPeak(Objects.requireNonNull(device, "device"));
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

    /** Where the data lives and this tensor's operations run. */
    public Device device() {
        return memory.device();
    }

    /** Whether this is a host tensor in page-locked memory ({@link #emptyPinned}). */
    public boolean isPinned() {
        return memory.isPinned();
    }

    /**
     * This tensor's data on {@code device}: this tensor itself if it is already there, else a new
     * tensor (tracked by the current {@link Scope}, like {@link #empty}) holding a copy.
     */
    public Tensor to(Device device) {
        Objects.requireNonNull(device, "device");
        checkOpen();
        if (device.equals(device())) return this;
        Tensor t = copyUnscoped(device);
        Scope.track(t);
        return t;
    }

    /**
     * A new tensor on {@code device} holding a copy of this one, which no {@link Scope} tracks:
     * for owners such as parameters and optimizers that move their tensors themselves.
     */
    public Tensor copyUnscoped(Device device) {
        checkOpen();
        Tensor t = emptyUnscoped(device, dtype, shape);
        try {
            return t.copyFrom(this);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
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
        return new Tensor(memory, base == null ? this : base, offset, s, dtype);
    }

    /**
     * A view of rows {@code start} to {@code start + length - 1} along dimension {@code dim} (as
     * PyTorch's {@code narrow}); the same memory, valid while this tensor is open. Only dimension 0
     * is supported: its rows are contiguous.
     */
    public Tensor narrow(int dim, long start, long length) {
        checkOpen();
        if (dim != 0 || shape.length == 0) {
            throw new IllegalArgumentException("narrow: only dimension 0 gives a contiguous view, got dimension " + dim + " of "
                    + shapeString());
        }
        if (start < 0 || length <= 0 || start > shape[0] - length) {
            throw new IllegalArgumentException("narrow: rows " + start + " to " + (start + length - 1) + " are outside "
                    + shapeString());
        }
        long[] s = shape.clone();
        s[0] = length;
        long rowBytes = numel / shape[0] * dtype.bytes();
        return new Tensor(memory, base == null ? this : base, offset + start * rowBytes, s, dtype);
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
        return memory.address() + offset;
    }

    /**
     * Checks that the tensor is open and keeps its memory allocated until {@link #release()}, even if
     * another thread closes it meanwhile (the memory is then freed by the release); returns the
     * address of the first element. For code that hands {@link #address()} to native code: a kernel
     * never runs on freed memory. Every call must be matched by one {@code release()}.
     */
    public long retain() {
        checkOpen();
        if (!memory.retain()) throw new IllegalStateException("tensor " + dtype + shapeString() + " is closed");
        return memory.address() + offset;
    }

    /** Ends one {@link #retain()}. */
    public void release() {
        memory.release();
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
        if (device().type() != Device.Type.CPU) {
            throw new IllegalStateException("tensor " + dtype + shapeString() + " is on " + device()
                    + ": its memory is not addressable from Java; use toFloatArray(), copyFrom(...) or to(Device.cpu())");
        }
        ByteBuffer b = memory.buffer();
        b.position((int) offset).limit((int) Math.min(Integer.MAX_VALUE, offset + numel * dtype.bytes()));
        return b.slice().order(java.nio.ByteOrder.nativeOrder());
    }

    /** A copy of the data (through the host for a GPU tensor). */
    public float[] toFloatArray() {
        requireType(DType.FLOAT32);
        float[] out = new float[Math.toIntExact(numel)];
        try (Tensor host = onHost()) {
            host.floatBuffer().get(out);
        }
        return out;
    }

    /** A copy of the data (through the host for a GPU tensor). */
    public int[] toIntArray() {
        requireType(DType.INT32);
        int[] out = new int[Math.toIntExact(numel)];
        try (Tensor host = onHost()) {
            host.intBuffer().get(out);
        }
        return out;
    }

    /** A copy of the data of an int64 tensor (through the host for a GPU tensor). */
    public long[] toLongArray() {
        requireType(DType.INT64);
        long[] out = new long[Math.toIntExact(numel)];
        try (Tensor host = onHost()) {
            host.bytes().asLongBuffer().get(out);
        }
        return out;
    }

    /** The single element of a one-element float tensor. */
    public float item() {
        if (numel != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + shapeString());
        return toFloatArray()[0];
    }

    public Tensor copyFrom(float[] data) {
        Objects.requireNonNull(data, "data");
        requireType(DType.FLOAT32);
        requireLength(data.length);
        return fromHost(host -> host.floatBuffer().put(data));
    }

    public Tensor copyFrom(int[] data) {
        Objects.requireNonNull(data, "data");
        requireType(DType.INT32);
        requireLength(data.length);
        return fromHost(host -> host.intBuffer().put(data));
    }

    /** Copies the remaining elements of {@code src}, which must be exactly numel(). */
    public Tensor copyFrom(FloatBuffer src) {
        Objects.requireNonNull(src, "src");
        requireType(DType.FLOAT32);
        requireLength(src.remaining());
        return fromHost(host -> host.floatBuffer().put(src.duplicate()));
    }

    /**
     * Copies another tensor of the same type and shape into this one; the two may be on different
     * devices.
     */
    public Tensor copyFrom(Tensor src) {
        Objects.requireNonNull(src, "src");
        if (src.dtype != dtype || !Arrays.equals(src.shape, shape)) {
            throw new IllegalArgumentException("cannot copy " + src.dtype + src.shapeString() + " into " + dtype + shapeString()
                    + ": type and shape must be the same (reshape one of them first)");
        }
        if (src.memory == memory && src.offset == offset) return this;
        long from = src.retain();
        try {
            long to = retain();
            try {
                if (src.device().equals(device())) {
                    Native.copy(device(), numel * dtype.bytes() / 4, from, to);
                } else {
                    Native.memcpy(device(), to, src.device(), from, numel * dtype.bytes());
                }
            } finally {
                release();
            }
        } finally {
            src.release();
        }
        return this;
    }

    // ------------------------------------------------------------------ arithmetic (new tensors)

    /** {@code this + other}, element-wise, as a new tensor; the shapes must be equal. */
    public Tensor add(Tensor other) {
        return binary(Abi.ANVIL_BINARY_ADD, "add", other);
    }

    /** {@code this - other}, element-wise, as a new tensor. */
    public Tensor sub(Tensor other) {
        return binary(Abi.ANVIL_BINARY_SUB, "sub", other);
    }

    /** {@code this * other}, element-wise, as a new tensor. */
    public Tensor mul(Tensor other) {
        return binary(Abi.ANVIL_BINARY_MUL, "mul", other);
    }

    /** {@code this / other}, element-wise (IEEE: x / 0 is infinite, 0 / 0 NaN), as a new tensor. */
    public Tensor div(Tensor other) {
        return binary(Abi.ANVIL_BINARY_DIV, "div", other);
    }

    private Tensor binary(int op, String name, Tensor other) {
        requireLike(name, other);
        return produce(DType.FLOAT32, shape, other, (a, b, out) -> Native.binary(device(), op, numel, a, b, out));
    }

    /** Checks that {@code other} is a float32 tensor of this one's shape on its device, naming {@code op}. */
    private void requireLike(String op, Tensor other) {
        Objects.requireNonNull(other, op);
        requireType(DType.FLOAT32);
        other.requireType(DType.FLOAT32);
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("Tensor." + op + ": shapes " + shapeString() + " and " + other.shapeString() + " differ");
        }
        requireSameDevice(op, other);
    }

    /** A native call reading this tensor (and {@code other}, if not null) and writing {@code out}. */
    @FunctionalInterface
    private interface Kernel {
        void run(long self, long other, long out);
    }

    /**
     * A new tensor of {@code outShape} that {@code kernel} writes, with this tensor and {@code other}
     * kept allocated during the call (see {@link #retain}); freed again if the call fails.
     */
    private Tensor produce(DType outType, long[] outShape, Tensor other, Kernel kernel) {
        checkOpen();
        if (other != null) other.checkOpen();
        Tensor out = empty(device(), outType, outShape);
        try {
            long a = retain();
            try {
                long b = other == null ? 0 : other.retain();
                try {
                    kernel.run(a, b, out.address());
                } finally {
                    if (other != null) other.release();
                }
            } finally {
                release();
            }
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** The sum along dimension {@code dim} (negative counts from the end), which the result drops. */
    public Tensor sum(int dim) {
        return reduce(Abi.ANVIL_REDUCE_SUM, "sum", dim);
    }

    /** The mean along dimension {@code dim}, which the result drops. */
    public Tensor mean(int dim) {
        return reduce(Abi.ANVIL_REDUCE_MEAN, "mean", dim);
    }

    /** The maximum along dimension {@code dim}, which the result drops; NaN wins (torch.amax). */
    public Tensor amax(int dim) {
        return reduce(Abi.ANVIL_REDUCE_MAX, "amax", dim);
    }

    private Tensor reduce(int op, String name, int dim) {
        requireType(DType.FLOAT32);
        int d = dimension(name, dim);
        long outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        long[] outShape = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) outShape[j++] = shape[i];
        }
        long size = shape[d], outerCount = outer, innerCount = inner;
        return produce(DType.FLOAT32, outShape, null, (x, unused, out) -> Native.reduce(device(), op, outerCount, size, innerCount, x, out));
    }

    /** The index along the last dimension of each maximum (the first one; NaN wins), as int32, dropping that dimension. */
    public Tensor argmax() {
        requireType(DType.FLOAT32);
        int last = dimension("argmax", -1);
        return produce(DType.INT32, Arrays.copyOf(shape, last), null,
                (x, unused, out) -> Native.argmax(device(), numel / shape[last], shape[last], x, out));
    }

    /** The k largest elements along the last dimension, in descending order, and their indices (int32). */
    public record TopK(Tensor values, Tensor indices) implements AutoCloseable {
        @Override
        public void close() {
            values.close();
            indices.close();
        }
    }

    /**
     * The {@code k} largest elements along the last dimension and their indices, as torch.topk:
     * descending, NaN first, equal values by lower index.
     */
    public TopK topk(int k) {
        requireType(DType.FLOAT32);
        int last = dimension("topk", -1);
        if (k < 1 || k > shape[last]) {
            throw new IllegalArgumentException("Tensor.topk: k must be in [1, " + shape[last] + "] for " + shapeString() + ", got " + k);
        }
        long[] outShape = shape.clone();
        outShape[last] = k;
        Tensor indices = empty(device(), DType.INT32, outShape);
        try {
            Tensor values = produce(DType.FLOAT32, outShape, null,
                    (x, unused, out) -> Native.topk(device(), numel / shape[last], shape[last], k, x, out, indices.address()));
            return new TopK(values, indices);
        } catch (RuntimeException | Error e) {
            indices.close();
            throw e;
        }
    }

    /** The matrix product of this [m, k] and {@code other} [k, n], a new [m, n] tensor. */
    public Tensor matmul(Tensor other) {
        Objects.requireNonNull(other, "other");
        requireType(DType.FLOAT32);
        other.requireType(DType.FLOAT32);
        if (shape.length != 2 || other.shape.length != 2 || shape[1] != other.shape[0]) {
            throw new IllegalArgumentException("Tensor.matmul: expected [m, k] and [k, n], got " + shapeString() + " and " + other.shapeString());
        }
        requireSameDevice("matmul", other);
        return produce(DType.FLOAT32, new long[] {shape[0], other.shape[1]}, other,
                (a, b, out) -> Native.matmul(device(), shape[0], shape[1], other.shape[1], a, b, out));
    }

    /** A view with dimensions {@code startDim} to the last merged into one (torch.flatten(x, startDim)). */
    public Tensor flatten(int startDim) {
        int d = dimension("flatten", startDim);
        long[] s = Arrays.copyOf(shape, d + 1);
        s[d] = -1;
        return reshape(s);
    }

    /** The index of dimension {@code dim} (negative counts from the end), or an exception naming the op and shape. */
    private int dimension(String op, int dim) {
        checkOpen();
        int d = dim < 0 ? dim + shape.length : dim;
        if (shape.length == 0 || d < 0 || d >= shape.length) {
            throw new IllegalArgumentException("Tensor." + op + ": dimension " + dim + " is out of range for " + shapeString());
        }
        return d;
    }

    private void requireSameDevice(String op, Tensor other) {
        if (!device().equals(other.device())) {
            throw new IllegalArgumentException("Tensor." + op + ": tensors on " + device() + " and " + other.device());
        }
    }

    /** {@code this += alpha * x}, in place; x of this tensor's shape, on its device. */
    public Tensor addScaled(float alpha, Tensor x) {
        requireLike("addScaled", x);
        long y = retain();
        try {
            long a = x.retain();
            try {
                Native.axpy(device(), numel, alpha, a, y);
            } finally {
                x.release();
            }
        } finally {
            release();
        }
        return this;
    }

    /** The sum of the squares of the elements, accumulated in double (the same for any thread count). */
    public double sumOfSquares() {
        requireType(DType.FLOAT32);
        long x = retain();
        try {
            return Native.sumSquares(device(), numel, x);
        } finally {
            release();
        }
    }

    /** Multiplies every element by {@code alpha}, in place. */
    public Tensor scale(float alpha) {
        requireType(DType.FLOAT32);
        long at = retain();
        try {
            Native.scale(device(), numel, alpha, at);
        } finally {
            release();
        }
        return this;
    }

    public Tensor fill(float value) {
        requireType(DType.FLOAT32);
        return fillWords(numel, value);
    }

    public Tensor zero() {
        checkOpen();
        return fillWords(numel * dtype.bytes() / 4, 0f);
    }

    /** Sets the first {@code words} 4-byte words of the data to the bits of {@code value}. */
    private Tensor fillWords(long words, float value) {
        long at = retain();
        try {
            Native.fill(device(), words, value, at);
        } finally {
            release();
        }
        return this;
    }

    /** This tensor if it is on the CPU, else an unscoped host copy; close the result either way. */
    private Tensor onHost() {
        return device().type() == Device.Type.CPU ? reshape(shape) : copyUnscoped(Device.cpu());
    }

    /** Writes this tensor's data through {@code write}, on a host staging tensor for a GPU tensor. */
    private Tensor fromHost(java.util.function.Consumer<Tensor> write) {
        checkOpen();
        if (device().type() == Device.Type.CPU) {
            write.accept(this);
            return this;
        }
        try (Tensor host = emptyUnscoped(dtype, shape)) {
            write.accept(host);
            copyFrom(host);
        }
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
        String where = device().type() == Device.Type.CPU ? "" : ", " + device();
        if (isClosed()) return "Tensor(" + dtype + shapeString() + where + ", closed)";
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(shapeString()).append(where).append(", [");
        int show = (int) Math.min(numel, 8);
        try (Tensor head = emptyUnscoped(dtype, show)) {
            head.copyFrom(reshape(-1).narrow(0, 0, show));
            for (int i = 0; i < show; i++) {
                if (i > 0) sb.append(", ");
                sb.append(dtype == DType.FLOAT32 ? String.valueOf(head.floatBuffer().get(i)) : String.valueOf(head.intBuffer().get(i)));
            }
        }
        return sb.append(numel > show ? ", ...])" : "])").toString();
    }

    // ------------------------------------------------------------------ helpers

    private static long[] checkShape(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor dimensions must be positive, got " + Arrays.toString(shape));
        }
        try {
            numel(shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " has more than 2^63 - 1 elements, "
                    + "over the limit of " + MAX_BYTES + " bytes (256 TiB) per tensor");
        }
        return shape.clone();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
