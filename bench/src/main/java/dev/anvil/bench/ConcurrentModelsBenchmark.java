package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.Trainer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Independent models trained at once on separate threads: each JMH thread trains its own reference
 * CNN on one native thread. With {@code context=own} each has a CPU context of its own
 * ({@link Anvil#threadContext}), so their kernels run at the same time; with {@code shared} they
 * queue on the process's one-thread context. Throughput mode sums the threads' steps:
 * images/s = ops/s x batch; compare {@code twoModels} with {@code oneModel}.
 * {@code java -jar bench/target/benchmarks.jar ConcurrentModels}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConcurrentModelsBenchmark {
    @Param({"64"})
    public int batch;

    @Param({"own", "shared"})
    public String context;

    private Anvil.ThreadContext own;
    private Sequential model;
    private SGD optimizer;
    private Trainer trainer;
    private Tensor images;
    private Tensor labels;

    /** Runs on the benchmark thread that uses this state, so the thread context is that thread's. */
    @Setup(Level.Trial)
    public void setup() {
        if (context.equals("own")) {
            own = Anvil.threadContext(1);
        } else {
            Anvil.setNumThreads(1);
        }
        synchronized (Init.class) {
            Init.manualSeed(0);
            model = Models.fashionMnistCnn();
        }
        optimizer = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
        trainer = Trainer.builder(model, optimizer).build();
        images = OpBenchmark.random(Device.cpu(), batch, 1, 28, 28);
        labels = OpBenchmark.labels(Device.cpu(), batch);
    }

    @Benchmark
    @Threads(1)
    public float oneModel() {
        return trainer.step(images, labels);
    }

    @Benchmark
    @Threads(2)
    public float twoModels() {
        return trainer.step(images, labels);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        optimizer.close();
        model.close();
        images.close();
        labels.close();
        if (own != null) own.close();
    }
}
