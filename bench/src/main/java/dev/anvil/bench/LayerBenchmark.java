package dev.anvil.bench;

import dev.anvil.Tensor;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Init;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward and backward of the reference network's heavy layers on their training shapes at
 * batch 64. GFLOP/s = flops / time: conv2 2*64*64*14*14*32*25 = 1.03 GFLOP per pass, fc1
 * 2*64*3136*1024 = 0.41 GFLOP per pass (backward = data + weight, twice that).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LayerBenchmark {
    @Param({"conv2", "fc1", "maxpool"})
    public String layer;

    private Layer op;
    private Tensor x;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setup() {
        Init.manualSeed(0);
        switch (layer) {
            case "conv2" -> {
                op = Conv2d.builder(32, 64, 5).padding(2).build();
                x = random(64, 32, 14, 14);
            }
            case "fc1" -> {
                op = new Linear(3136, 1024);
                x = random(64, 3136);
            }
            case "maxpool" -> {
                op = new MaxPool2d(2);
                x = random(64, 32, 28, 28);
            }
            default -> throw new IllegalArgumentException(layer);
        }
        dy = random(op.forward(x).shape());
    }

    @Benchmark
    public Tensor forward() {
        return op.forward(x);
    }

    @Benchmark
    public Tensor backward() {
        return op.backward(dy, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        op.close();
        x.close();
        dy.close();
    }

    static Tensor random(long... shape) {
        Tensor t = Tensor.empty(shape);
        Init.uniform(t, -1, 1, new SplittableRandom(42));
        return t;
    }
}
