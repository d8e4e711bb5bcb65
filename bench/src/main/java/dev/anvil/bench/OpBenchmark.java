package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.Models;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.util.ArrayList;
import java.util.List;
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
 * Every op of the reference network on its training shapes at batch 64, through the public layer
 * API. {@link Workload} gives the FLOPs or bytes of each, from which bench/profile.sh derives
 * GFLOP/s and GB/s. {@code -p device=cuda:0} runs them on a GPU, each call waiting for the
 * device to finish.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class OpBenchmark {
    @Param({"conv2_fwd", "conv2_bwd", "maxpool_fwd", "maxpool_bwd", "fc1_fwd", "fc1_bwd", "relu_fwd", "relu_bwd",
            "cross_entropy", "sgd_step"})
    public String op;

    @Param({"cpu"})
    public String device;

    private final List<AutoCloseable> owned = new ArrayList<>();
    private Runnable body;
    private Device dev;

    @Setup(Level.Trial)
    public void setup() {
        Init.manualSeed(0);
        dev = Device.parse(device);
        body = switch (op) {
            case "conv2_fwd" -> forward(Conv2d.builder(32, 64, 5).padding(2).build(), 64, 32, 14, 14);
            case "conv2_bwd" -> backward(Conv2d.builder(32, 64, 5).padding(2).build(), 64, 32, 14, 14);
            case "maxpool_fwd" -> forward(new MaxPool2d(2), 64, 32, 28, 28);
            case "maxpool_bwd" -> backward(new MaxPool2d(2), 64, 32, 28, 28);
            case "fc1_fwd" -> forward(new Linear(3136, 1024), 64, 3136);
            case "fc1_bwd" -> backward(new Linear(3136, 1024), 64, 3136);
            case "relu_fwd" -> forward(new ReLU(), 64, 32, 28, 28);
            case "relu_bwd" -> backward(new ReLU(), 64, 32, 28, 28);
            case "cross_entropy" -> crossEntropy();
            case "sgd_step" -> sgdStep();
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    @Benchmark
    public void run() {
        body.run();
        Anvil.synchronize(dev);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
        owned.clear();
    }

    private Runnable forward(Layer layer, long... shape) {
        Tensor x = own(random(dev, shape));
        own(layer).to(dev);
        return () -> layer.forward(x);
    }

    private Runnable backward(Layer layer, long... shape) {
        Tensor x = own(random(dev, shape));
        own(layer).to(dev);
        Tensor dy = own(random(dev, layer.forward(x).shape()));
        // As in a training step after zeroGrad: parameter gradients overwritten, not added to.
        return () -> {
            layer.parameters().forEach(Parameter::zeroGrad);
            layer.backward(dy, true);
        };
    }

    /** Loss forward and backward on 64x10 logits. */
    private Runnable crossEntropy() {
        Tensor logits = own(random(dev, 64, 10));
        Tensor labels = own(labels(dev, 64));
        CrossEntropyLoss loss = own(new CrossEntropyLoss());
        return () -> {
            loss.forward(logits, labels);
            loss.backward();
        };
    }

    /** One SGD-momentum update of the reference network's 3,274,634 parameters. */
    private Runnable sgdStep() {
        Sequential model = own(Models.fashionMnistCnn()).to(dev);
        for (Parameter p : model.parameters()) {
            p.beginGradWrite();
            Init.uniform(p.grad(), -1e-3, 1e-3, new SplittableRandom(1));
        }
        SGD sgd = own(SGD.builder().lr(1e-6).momentum(0.9).build(model.parameters()));
        return sgd::step;
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    static Tensor random(Device dev, long... shape) {
        Tensor t = Tensor.empty(dev, shape);
        Init.uniform(t, -1, 1, new SplittableRandom(42));
        return t;
    }

    static Tensor labels(Device dev, int batch) {
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        return Tensor.ofInts(dev, y, batch);
    }
}
