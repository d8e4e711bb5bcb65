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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One SGD-momentum training step of the reference CNN; images/s = batch / time. {@code -p
 * device=cuda:0} trains on a GPU (the step ends when the device has finished).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TrainStepBenchmark {
    @Param({"64", "256"})
    public int batch;

    @Param({"cpu"})
    public String device;

    private Device dev;

    private Sequential model;
    private SGD optimizer;
    private Trainer trainer;
    private Tensor images;
    private Tensor labels;

    @Setup(Level.Trial)
    public void setup() {
        Init.manualSeed(0);
        dev = Device.parse(device);
        model = Models.fashionMnistCnn().to(dev);
        optimizer = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
        trainer = Trainer.builder(model, optimizer).build();
        images = OpBenchmark.random(dev, batch, 1, 28, 28);
        labels = OpBenchmark.labels(dev, batch);
    }

    @Benchmark
    public float step() {
        float loss = trainer.step(images, labels);
        Anvil.synchronize(dev);
        return loss;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        optimizer.close();
        model.close();
        images.close();
        labels.close();
    }
}
