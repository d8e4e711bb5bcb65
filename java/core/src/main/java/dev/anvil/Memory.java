package dev.anvil;

import dev.anvil.internal.Native;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One block of native memory with one owner: host memory, page-locked host memory (for fast
 * copies to a GPU), or memory of a CUDA device. {@link #free()} releases it at once, or, while
 * native calls use it ({@link #retain}), when the last of them ends: a block is never freed under
 * a running kernel, whichever thread frees it. If the owner is garbage-collected without freeing,
 * a cleaner releases it and logs the leak, since relying on the collector for native memory is a
 * bug of the caller.
 */
final class Memory {
    private static final Logger LOG = LoggerFactory.getLogger(Memory.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final Map<Device, AtomicLong> LIVE_BY_DEVICE = new ConcurrentHashMap<>();
    private static final Map<Device, AtomicLong> PEAK_BY_DEVICE = new ConcurrentHashMap<>();
    /** Whether allocation sites are recorded for leak reports ({@code -Danvil.leakTrace=true}); costs a stack walk per allocation. */
    static final boolean LEAK_TRACE = Boolean.getBoolean("anvil.leakTrace");
    private static final String NO_SITE = "an unrecorded site (run with -Danvil.leakTrace=true to record allocation sites)";
    /** Leaks so far by allocation site: {count, bytes}. */
    private static final Map<String, long[]> LEAKS = new ConcurrentHashMap<>();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(Memory::logLeakTotals, "anvil-leak-report"));
        } catch (IllegalStateException e) {
            // first used while the JVM shuts down: no totals then
        }
    }

    /** Where the block lives, and so how it is freed. */
    enum Kind { HOST, PINNED, DEVICE }

    private final long address;
    private final long bytes;
    private final Device device;
    private final Kind kind;
    private final State state;
    private final Cleaner.Cleanable cleanable;
    /** Native calls using the block, plus {@link #FREE_ASKED} once free() was called. */
    private final AtomicLong users = new AtomicLong();
    private static final long FREE_ASKED = 1L << 62;
    private ByteBuffer view;

    /** What the cleaner needs; holds no reference to the Memory itself. */
    private static final class State implements Runnable {
        final long address;
        final long bytes;
        final Kind kind;
        final Device device; // the CUDA device of DEVICE memory, or whose context pinned PINNED memory
        final String what;
        final String site; // where it was allocated, with -Danvil.leakTrace=true; else null
        final AtomicBoolean freed = new AtomicBoolean();
        volatile boolean explicit;

        State(long address, long bytes, Kind kind, Device device, String what, String site) {
            this.address = address;
            this.bytes = bytes;
            this.kind = kind;
            this.device = device;
            this.what = what;
            this.site = site;
        }

        @Override
        public void run() {
            if (freed.compareAndSet(false, true)) {
                if (!explicit) leaked(site == null ? NO_SITE : site, what, bytes);
                switch (kind) {
                    case HOST -> Native.free(address);
                    case PINNED -> Native.freePinned(device, address);
                    case DEVICE -> Native.free(device, address);
                }
                LIVE_BYTES.addAndGet(-bytes);
                counter(kind == Kind.DEVICE ? device : Device.cpu()).addAndGet(-bytes);
            }
        }
    }

    /** Host memory. */
    Memory(long bytes, String what) {
        this(bytes, Device.cpu(), false, what);
    }

    /**
     * Memory on {@code device}; {@code pinned} asks for page-locked host memory registered with
     * that CUDA device (then the memory is host memory and {@link #device()} is the CPU).
     */
    Memory(long bytes, Device device, boolean pinned, String what) {
        this.bytes = bytes;
        this.kind = pinned ? Kind.PINNED : device.type() == Device.Type.CPU ? Kind.HOST : Kind.DEVICE;
        this.device = kind == Kind.DEVICE ? device : Device.cpu();
        this.address = switch (kind) {
            case HOST -> Native.malloc(bytes);
            case PINNED -> Native.mallocPinned(device, bytes);
            case DEVICE -> Native.malloc(device, bytes);
        };
        LIVE_BYTES.addAndGet(bytes);
        long live = counter(this.device).addAndGet(bytes);
        PEAK_BY_DEVICE.computeIfAbsent(this.device, k -> new AtomicLong()).accumulateAndGet(live, Math::max);
        this.state = new State(address, bytes, kind, device, what, LEAK_TRACE ? allocationSite() : null);
        this.cleanable = CLEANER.register(this, state);
    }

    private static AtomicLong counter(Device d) {
        return LIVE_BY_DEVICE.computeIfAbsent(d, k -> new AtomicLong());
    }

    static long liveBytes() {
        return LIVE_BYTES.get();
    }

    static long liveBytes(Device d) {
        AtomicLong c = LIVE_BY_DEVICE.get(d);
        return c == null ? 0 : c.get();
    }

    /** The most bytes live at once on {@code d} since the start or the last {@link #resetPeak}. */
    static long peakBytes(Device d) {
        AtomicLong c = PEAK_BY_DEVICE.get(d);
        return c == null ? 0 : c.get();
    }

    /** Starts a new peak at the bytes live now. */
    static void resetPeak(Device d) {
        PEAK_BY_DEVICE.computeIfAbsent(d, k -> new AtomicLong()).set(liveBytes(d));
    }

    /** The first frame outside Anvil's tensor and memory classes: where user code (or a layer) allocated. */
    static String allocationSite() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Memory.class.getName()) && !f.getClassName().equals(Tensor.class.getName())
                        && !f.getClassName().equals(Scope.class.getName()))
                .findFirst().map(StackWalker.StackFrame::toStackTraceElement).map(Object::toString).orElse(NO_SITE));
    }

    /**
     * Counts a leak by site: the first from a site is logged with what leaked; later ones only when
     * the site's count reaches 10, 100, 1000..., and the totals of every site at exit, so that a
     * loop that forgets to close logs a handful of lines, not one per tensor.
     */
    static void leaked(String site, String what, long bytes) {
        long[] totals;
        long count;
        synchronized (LEAKS) {
            totals = LEAKS.computeIfAbsent(site, k -> new long[2]);
            count = ++totals[0];
            totals[1] += bytes;
        }
        if (count == 1) {
            LOG.warn("{} ({} bytes), allocated at {}, was never closed; freed by the garbage collector (later leaks from this site are counted)",
                    what, bytes, site);
        } else if (isPowerOfTen(count)) {
            LOG.warn("{} tensors ({} bytes) allocated at {} were never closed so far", count, totals[1], site);
        }
    }

    /** {count, bytes} of the leaks from each site so far. */
    static Map<String, long[]> leaks() {
        synchronized (LEAKS) {
            Map<String, long[]> copy = new java.util.TreeMap<>();
            LEAKS.forEach((k, v) -> copy.put(k, v.clone()));
            return copy;
        }
    }

    private static boolean isPowerOfTen(long n) {
        while (n >= 10 && n % 10 == 0) n /= 10;
        return n == 1;
    }

    private static void logLeakTotals() {
        leaks().forEach((site, t) -> {
            if (t[0] > 1) LOG.warn("{} tensors ({} bytes) allocated at {} were never closed", t[0], t[1], site);
        });
    }

    long address() {
        return address;
    }

    long bytes() {
        return bytes;
    }

    /** Where the data is: the CPU for host and pinned memory, the GPU for device memory. */
    Device device() {
        return device;
    }

    boolean isPinned() {
        return kind == Kind.PINNED;
    }

    /** Freed, or asked to be freed once its users are done: unusable either way. */
    boolean isFreed() {
        return state.freed.get() || (users.get() & FREE_ASKED) != 0;
    }

    /** Keeps the block from being freed until the matching {@link #release}; false if it is freed already. */
    boolean retain() {
        for (long u = users.get(); (u & FREE_ASKED) == 0 && !state.freed.get(); u = users.get()) {
            if (users.compareAndSet(u, u + 1)) return true;
        }
        return false;
    }

    void release() {
        if (users.decrementAndGet() == FREE_ASKED) cleanable.clean();
    }

    /** A buffer over the whole block (position 0, limit = bytes) of host memory; do not use after free. */
    ByteBuffer buffer() {
        ByteBuffer v = view;
        if (v == null) {
            v = Native.view(address, bytes);
            view = v;
        }
        return v.duplicate().order(v.order());
    }

    /** Frees the block now, or when the last native call that uses it ends. Idempotent. */
    void free() {
        state.explicit = true;
        if (users.getAndUpdate(u -> u | FREE_ASKED) == 0) cleanable.clean();
    }
}
