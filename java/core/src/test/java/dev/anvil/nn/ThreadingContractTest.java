package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.Tensor;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The threading contract: a layer (or model) serves one thread at a time, and a second thread gets
 * an exception naming the layer and both threads; memory in use by a native call outlives close().
 */
class ThreadingContractTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** A layer whose forward pass waits until released, to hold it on one thread. */
    private static final class Gate extends Layer {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Gate() {
            super("gate");
        }

        @Override
        public long[] outputShape(long[] in) {
            return in;
        }

        @Override
        protected Tensor doForward(Tensor x) {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return x;
        }

        @Override
        protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
            return dy;
        }
    }

    @Test
    void aSecondThreadIsRefusedNamingTheLayerAndBothThreads() throws Exception {
        try (Gate gate = new Gate(); Sequential model = new Sequential(gate, new ReLU()); Tensor x = Tensor.zeros(2, 3)) {
            Thread holder = new Thread(() -> model.forward(x), "holder");
            holder.start();
            gate.inside.await();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.forward(x));
            String m = e.getMessage();
            assertTrue(m.contains("forward on thread '" + Thread.currentThread().getName() + "'") && m.contains("thread 'holder'")
                    && m.contains("is in its forward") && m.contains("one thread at a time"), m);
            IllegalStateException close = assertThrows(IllegalStateException.class, model::close);
            assertTrue(close.getMessage().contains("close on thread") && close.getMessage().contains("'holder'"), close.getMessage());
            assertThrows(IllegalStateException.class, () -> gate.backward(x));
            gate.release.countDown();
            holder.join();
            model.forward(x); // free again: this thread may use it now
        }
    }

    /**
     * Two threads taking turns on one model (never inside it at once) would pair one thread's
     * backward with the other's forward pass: a wrong gradient, silent when the batch sizes match.
     * Backward is refused unless it comes from the thread of the last training forward pass.
     */
    @Test
    void backwardMustComeFromTheThreadOfTheLastForwardPass() throws Exception {
        try (Sequential model = new Sequential(new Linear(3, 3), Residual.builder().add("fc", new Linear(3, 3)).build());
             Tensor x = Tensor.zeros(2, 3).fill(0.5f); Tensor dy = Tensor.zeros(2, 3).fill(1f)) {
            Thread other = new Thread(() -> model.forward(x), "other");
            other.start();
            other.join();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.backward(dy));
            String m = e.getMessage();
            assertTrue(m.contains("backward on thread '" + Thread.currentThread().getName() + "'")
                    && m.contains("last forward pass ran on thread 'other'") && m.contains("one thread at a time"), m);
            model.forward(x);
            model.backward(dy); // this thread's own forward pass: accepted
            model.eval();
            other = new Thread(() -> model.forward(x), "other");
            other.start();
            other.join();
            IllegalStateException none = assertThrows(IllegalStateException.class, () -> model.backward(dy));
            assertTrue(none.getMessage().contains("without a forward() in training mode"), none.getMessage());
        }
    }

    @Test
    void retainedMemoryOutlivesCloseUntilReleased() {
        Tensor t = Tensor.zeros(1024);
        long address = t.retain();
        t.close();
        assertTrue(t.isClosed());
        assertEquals(4096, Tensor.liveBytes(), "still allocated while retained");
        assertThrows(IllegalStateException.class, t::retain);
        t.release();
        assertEquals(0, Tensor.liveBytes());
        assertTrue(address != 0);
    }

    @Test
    void aTrainingForwardKeepsItsInputForBackward() {
        try (Linear fc = new Linear(3, 2); Tensor dy = Tensor.zeros(2, 2); Tensor next = Tensor.zeros(2, 3)) {
            Tensor x = Tensor.zeros(2, 3);
            fc.forward(x);
            long live = Tensor.liveBytes();
            x.close();
            assertEquals(live, Tensor.liveBytes(), "the input stays allocated until the next forward pass");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fc.backward(dy));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            fc.forward(next);
            assertEquals(live - 4 * 6, Tensor.liveBytes(), "freed once the layer let go of it");
        }
    }
}
