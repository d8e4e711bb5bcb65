package dev.anvil;

import dev.anvil.internal.Native;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One block of native memory with one owner. {@link #free()} releases it at once; if the owner
 * is garbage-collected without freeing, a cleaner releases it and logs the leak, since relying on
 * the collector for native memory is a bug of the caller.
 */
final class Memory {
    private static final Logger LOG = LoggerFactory.getLogger(Memory.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();

    private final long address;
    private final long bytes;
    private final State state;
    private final Cleaner.Cleanable cleanable;
    private ByteBuffer view;

    /** What the cleaner needs; holds no reference to the Memory itself. */
    private static final class State implements Runnable {
        final long address;
        final long bytes;
        final String what;
        final AtomicBoolean freed = new AtomicBoolean();
        volatile boolean explicit;

        State(long address, long bytes, String what) {
            this.address = address;
            this.bytes = bytes;
            this.what = what;
        }

        @Override
        public void run() {
            if (freed.compareAndSet(false, true)) {
                if (!explicit) LOG.warn("{} ({} bytes) was never closed; freed by the garbage collector", what, bytes);
                Native.free(address);
                LIVE_BYTES.addAndGet(-bytes);
            }
        }
    }

    Memory(long bytes, String what) {
        this.bytes = bytes;
        this.address = Native.malloc(bytes);
        LIVE_BYTES.addAndGet(bytes);
        this.state = new State(address, bytes, what);
        this.cleanable = CLEANER.register(this, state);
    }

    static long liveBytes() {
        return LIVE_BYTES.get();
    }

    long address() {
        return address;
    }

    long bytes() {
        return bytes;
    }

    boolean isFreed() {
        return state.freed.get();
    }

    /** A buffer over the whole block (position 0, limit = bytes); do not use after free. */
    ByteBuffer buffer() {
        ByteBuffer v = view;
        if (v == null) {
            v = Native.view(address, bytes);
            view = v;
        }
        return v.duplicate().order(v.order());
    }

    void free() {
        state.explicit = true;
        cleanable.clean();
    }
}
