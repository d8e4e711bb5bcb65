package dev.anvil.abuse;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.ext.Plugin;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Misuse that used to crash the JVM, run by {@link AbuseTest} in a JVM of its own: {@code main(name)}
 * runs one scenario and prints "ok NAME" and what it saw; any other outcome (an unexpected
 * exception, a crash, a hang) fails the test. Each scenario names the crash it reproduces.
 */
public final class AbuseScenarios {
    private AbuseScenarios() {}

    public static void main(String[] args) throws Exception {
        Map<String, Callable> scenarios = Map.of(
                "one-model-two-threads", AbuseScenarios::oneModelTwoThreads,
                "close-races-fill", AbuseScenarios::closeRacesFill,
                "close-model-while-training", AbuseScenarios::closeModelWhileTraining,
                "truncated-plugin", () -> truncatedPlugin(Path.of(args[1])));
        Callable c = scenarios.get(args[0]);
        if (c == null) throw new IllegalArgumentException("unknown scenario " + args[0] + "; known: " + scenarios.keySet());
        String seen = c.call();
        if (Tensor.liveBytes() != 0) throw new AssertionError(args[0] + ": " + Tensor.liveBytes() + " tensor bytes still live");
        System.out.println("ok " + args[0] + ": " + seen);
    }

    @FunctionalInterface
    interface Callable {
        String call() throws Exception;
    }

    /**
     * One model trained from two threads at once (before: SIGSEGV within a second, or a
     * heap-use-after-free in the conv and activation kernels): the second thread in gets a clear
     * exception naming the layer and both threads; the model stays usable.
     */
    static String oneModelTwoThreads() throws Exception {
        Init.manualSeed(1);
        Map<String, Integer> messages = new ConcurrentHashMap<>();
        try (Sequential model = Models.fashionMnistCnn(); SGD sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters())) {
            CyclicBarrier start = new CyclicBarrier(2);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> unexpected = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int batch = 8 + 8 * t; // different batch sizes: layers reallocate their buffers
                Thread thread = new Thread(() -> {
                    try (Tensor x = Tensor.zeros(batch, 1, 28, 28).fill(0.5f);
                         Tensor y = Tensor.ofInts(new int[batch], batch);
                         CrossEntropyLoss loss = new CrossEntropyLoss()) {
                        start.await();
                        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                        while (System.nanoTime() < end) {
                            try {
                                sgd.zeroGrad();
                                loss.forward(model.forward(x), y);
                                model.backward(loss.backward(), false);
                                sgd.step();
                            } catch (IllegalStateException e) {
                                messages.merge(e.getMessage().replaceAll("thread '[^']*'", "thread T"), 1, Integer::sum);
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (unexpected) {
                            unexpected.add(e);
                        }
                    }
                }, "trainer-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread t : threads) t.join();
            if (!unexpected.isEmpty()) throw new AssertionError("unexpected failure", unexpected.get(0));
            if (messages.keySet().stream().noneMatch(m -> m.contains("serves one thread at a time"))) {
                throw new AssertionError("no thread was refused: " + messages);
            }
            // Still usable from one thread.
            try (Tensor x = Tensor.zeros(4, 1, 28, 28)) {
                model.forward(x);
            }
        }
        return messages.size() + " kinds of refusal, e.g. " + messages.keySet().iterator().next();
    }

    /**
     * close() of a tensor racing fill() on another thread (before: a use-after-free write in the
     * elementwise kernel): the fill either runs on memory that stays allocated until it ends, or
     * is refused because the tensor is closed.
     */
    static String closeRacesFill() throws Exception {
        int rounds = 300;
        java.util.concurrent.atomic.AtomicInteger fills = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        for (int round = 0; round < rounds; round++) {
            Tensor t = Tensor.zeros(1 << 18);
            Thread filler = new Thread(() -> {
                try {
                    for (int i = 0; i < 50; i++) {
                        t.fill(i);
                        fills.incrementAndGet();
                    }
                } catch (IllegalStateException e) {
                    if (!e.getMessage().contains("is closed")) throw e;
                    refused.incrementAndGet();
                }
            });
            filler.start();
            for (int spin = 0; spin < round * 50; spin++) Thread.onSpinWait();
            t.close();
            filler.join();
        }
        if (refused.get() == 0) throw new AssertionError("close never came during the fills");
        return rounds + " rounds: " + fills + " fills ran, " + refused + " refused after close";
    }

    /** A model closed by one thread while another trains it: refused while inside, a clear exception after. */
    static String closeModelWhileTraining() throws Exception {
        Init.manualSeed(2);
        int refusedClose = 0;
        for (int round = 0; round < 20; round++) {
            Sequential model = Models.fashionMnistCnn();
            SGD sgd = SGD.builder().lr(0.01).build(model.parameters());
            Thread trainer = new Thread(() -> {
                try (Tensor x = Tensor.zeros(16, 1, 28, 28); Tensor y = Tensor.ofInts(new int[16], 16);
                     CrossEntropyLoss loss = new CrossEntropyLoss()) {
                    for (int i = 0; i < 20; i++) {
                        sgd.zeroGrad();
                        loss.forward(model.forward(x), y);
                        model.backward(loss.backward(), false);
                        sgd.step();
                    }
                } catch (IllegalStateException e) {
                    if (!e.getMessage().contains("closed") && !e.getMessage().contains("one thread at a time")) throw e;
                }
            });
            trainer.start();
            Thread.sleep(round % 5);
            while (true) {
                try {
                    model.close();
                    break;
                } catch (IllegalStateException e) {
                    refusedClose++; // inside a pass on the other thread: try again
                    Thread.onSpinWait();
                }
            }
            trainer.join();
            sgd.close();
        }
        return "20 rounds, " + refusedClose + " closes refused while the model was in use";
    }

    /** A truncated plug-in library (before: SIGBUS inside the dynamic loader). */
    static String truncatedPlugin(Path library) throws Exception {
        byte[] bytes = Files.readAllBytes(library);
        Path cut = Files.createTempFile("truncated", ".so");
        try {
            Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            try (Plugin p = Plugin.load(cut)) {
                throw new AssertionError("a truncated library loaded: " + p);
            } catch (AnvilException e) {
                if (e.status() != AnvilException.Status.PLUGIN || !e.getMessage().contains("is truncated")) throw e;
                return e.getMessage();
            }
        } finally {
            Files.delete(cut);
        }
    }
}
