package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.optim.Optimizer;
import dev.anvil.optim.SGD;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No allocation per training step: after warm-up (the JIT compiler settled), a step of forward,
 * cross-entropy, backward and SGD of the reference CNN, of fmnist-resnet (BatchNorm, residual
 * blocks, adaptive pooling) and of a model of plug-in ops allocates nothing on the Java heap, by the
 * JVM's per-thread counter.
 */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /**
     * Bytes allocated per step on this thread after {@code warmup} steps: the least of three windows
     * of {@code steps} steps, since an allocation per step shows in every window while the JIT
     * compiler's one-off work as it settles (on a loaded machine, late) shows in one.
     */
    private static double bytesPerStep(Layer model, int batch, int warmup, int steps) {
        try (Optimizer sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters()); CrossEntropyLoss loss = new CrossEntropyLoss();
                Tensor x = Tensor.zeros(batch, 1, 28, 28); Tensor y = Tensor.ofInts(new int[batch], batch)) {
            Runnable step = () -> {
                sgd.zeroGrad();
                loss.forward(model.forward(x), y);
                model.backward(loss.backward(), false);
                sgd.step();
            };
            for (int i = 0; i < warmup; i++) step.run();
            long id = Thread.currentThread().getId();
            double least = Double.MAX_VALUE;
            for (int window = 0; window < 3; window++) {
                long before = THREADS.getThreadAllocatedBytes(id);
                for (int i = 0; i < steps; i++) step.run();
                least = Math.min(least, (THREADS.getThreadAllocatedBytes(id) - before) / (double) steps);
            }
            return least;
        }
    }

    // Less than a byte per step over hundreds of steps: nothing per step (the smallest object is 16
    // bytes), while a one-off allocation as the JIT compiler settles is tolerated.
    @Test
    void aTrainingStepOfTheReferenceCnnAllocatesNothing() {
        try (Sequential model = Models.fashionMnistCnn(0.125, 0.4)) {
            double bytes = bytesPerStep(model, 4, 2000, 300);
            assertTrue(bytes < 1, "fmnist-cnn step allocates " + bytes + " bytes");
        }
    }

    /** The Trainer's step adds the training-accuracy count, which must not allocate either. */
    @Test
    void aTrainerStepAllocatesNothing() {
        try (Sequential model = Models.fashionMnistCnn(0.125, 0.4); Optimizer sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
                dev.anvil.train.Trainer trainer = dev.anvil.train.Trainer.builder(model, sgd).build();
                Tensor x = Tensor.zeros(4, 1, 28, 28); Tensor y = Tensor.ofInts(new int[4], 4)) {
            for (int i = 0; i < 2000; i++) trainer.step(x, y);
            long id = Thread.currentThread().getId();
            double least = Double.MAX_VALUE;
            for (int window = 0; window < 3; window++) {
                long before = THREADS.getThreadAllocatedBytes(id);
                for (int i = 0; i < 300; i++) trainer.step(x, y);
                least = Math.min(least, (THREADS.getThreadAllocatedBytes(id) - before) / 300.0);
            }
            assertTrue(least < 1, "Trainer.step allocates " + least + " bytes");
        }
    }

    /** Plug-in ops of several inputs and with weights: the batch-statistics BatchNorm and a Residual merged by add_relu. */
    @Test
    void aTrainingStepThroughPluginOpsAllocatesNothing() {
        java.nio.file.Path examples = java.nio.file.Path.of(System.getProperty("anvil.examplesDir", "bindings/java/target/cmake/examples"));
        try (dev.anvil.ext.Plugin addRelu = dev.anvil.ext.Plugin.load(examples.resolve("libanvil_add_relu.so"));
                dev.anvil.ext.Plugin bn = dev.anvil.ext.Plugin.load(examples.resolve("libanvil_batch_norm.so"));
                Sequential model = new Sequential(new Flatten(), new Linear(784, 16), bn.layer("batch_norm", 16f, 1e-5f, 0.1f),
                        Residual.builder().add("fc", new Linear(16, 16)).merge("add", addRelu.layer("add_relu")).build(),
                        new Linear(16, 10))) {
            double bytes = bytesPerStep(model, 4, 2000, 300);
            assertTrue(bytes < 1, "plug-in model step allocates " + bytes + " bytes");
        }
    }

    @Test
    void aTrainingStepOfTheResNetAllocatesNothing() {
        try (Sequential model = Models.fmnistResNet()) {
            double bytes = bytesPerStep(model, 2, 800, 200);
            assertTrue(bytes < 1, "fmnist-resnet step allocates " + bytes + " bytes");
        }
    }
}
