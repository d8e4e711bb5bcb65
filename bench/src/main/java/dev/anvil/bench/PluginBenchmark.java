package dev.anvil.bench;

import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.ext.Plugin;
import dev.anvil.nn.Layer;
import dev.anvil.nn.ReLU;
import java.nio.file.Path;
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
 * The example plug-in op (examples/leaky_relu) against the built-in ReLU on the reference
 * network's largest activation, 64x32x28x28. The plug-in is looked up in
 * {@code -Danvil.examplesDir} (default: the CMake build folder of a checkout, run from its root).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PluginBenchmark {
    @Param({"plugin_leaky_relu", "builtin_relu"})
    public String op;

    private Plugin plugin;
    private Layer layer;
    private Tensor x;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setup() {
        if (op.startsWith("plugin")) {
            Path dir = Path.of(System.getProperty("anvil.examplesDir", "bindings/javacpp/target/cmake/examples"));
            plugin = Plugin.load(dir.resolve("libanvil_leaky_relu.so"));
            layer = plugin.layer("leaky_relu", 0.01f);
        } else {
            layer = new ReLU();
        }
        x = OpBenchmark.random(Device.cpu(), 64, 32, 28, 28);
        dy = OpBenchmark.random(Device.cpu(), 64, 32, 28, 28);
        layer.forward(x);
    }

    @Benchmark
    public Tensor forward() {
        return layer.forward(x);
    }

    @Benchmark
    public Tensor backward() {
        return layer.backward(dy, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layer.close();
        if (plugin != null) plugin.close();
        x.close();
        dy.close();
    }
}
