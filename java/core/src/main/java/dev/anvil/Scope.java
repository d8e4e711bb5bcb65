package dev.anvil;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Closes, at once, every tensor created on this thread while the scope was the innermost open one:
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Tensor a = Tensor.zeros(3, 4);   // closed with the scope
 *     Tensor b = scope.keep(Tensor.zeros(2)); // survives it
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> tensors = new ArrayList<>();
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Scope() {}

    /** Opens a scope on the current thread; nested scopes are allowed. */
    public static Scope open() {
        Scope s = new Scope();
        OPEN.get().push(s);
        return s;
    }

    static void track(Tensor t) {
        Scope s = OPEN.get().peek();
        if (s != null) s.tensors.add(t);
    }

    /** Removes {@code t} from this scope so that it outlives it; returns t. */
    public Tensor keep(Tensor t) {
        tensors.remove(t);
        return t;
    }

    /** Number of tensors this scope will close. */
    public int size() {
        return tensors.size();
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a Scope must be closed on the thread that opened it (" + owner.getName() + ")");
        }
        closed = true;
        Deque<Scope> open = OPEN.get();
        open.remove(this);
        for (int i = tensors.size() - 1; i >= 0; i--) tensors.get(i).close();
        tensors.clear();
    }
}
