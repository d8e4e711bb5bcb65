package dev.anvil.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread at a time inside an object's passes (a layer's forward and backward, an optimizer's
 * step, closing either): a second thread that comes in meanwhile gets an exception naming the
 * object and both threads, instead of racing on buffers that the object reuses from call to call.
 * The thread inside may come in again (a container calling its children, a pass calling another).
 * Like PyTorch's modules, layers and optimizers are not made for concurrent use: a thread that needs
 * one of its own builds its own.
 */
public final class UseGuard {
    private final AtomicReference<Thread> user = new AtomicReference<>();
    private int depth; // written only by the thread in `user`
    private String pass; // likewise: what that thread is doing, for the message

    /** Enters {@code pass} of the object named {@code owner}, or throws if another thread is inside. */
    public void enter(String owner, String pass) {
        Thread me = Thread.currentThread();
        Thread other = user.compareAndExchange(null, me);
        if (other == null) {
            this.pass = pass;
        } else if (other != me) {
            throw new IllegalStateException(owner + ": " + pass + " on thread '" + me.getName() + "' while thread '"
                    + other.getName() + "' is in its " + this.pass + "; a layer, model or optimizer serves one thread at a time:"
                    + " give each thread its own");
        }
        depth++;
    }

    /** Leaves what the matching {@link #enter} entered. */
    public void exit() {
        if (--depth == 0) user.set(null);
    }
}
