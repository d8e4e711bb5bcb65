package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
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
 * What a native call costs through each binding: an empty-ish call ({@code anvil_live_bytes}) and
 * ReLU over {@code n} floats (256: overhead-bound; 4M: kernel-bound), all through {@link Native}.
 * Each fork picks its binding with {@code -Danvil.binding}; {@link BenchMain} leaves the ffm
 * benchmarks out where the FFM binding cannot run (JDK < 22).
 * {@code java -jar bench/target/benchmarks.jar BindingOverhead}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BindingOverheadBenchmark {
    private static final String JNI = "-Danvil.binding=jni";
    private static final String FFM = "-Danvil.binding=ffm";
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** Input and output of the ReLU, and a check that the fork runs on the binding it asked for. */
    @State(Scope.Thread)
    public static class Relu {
        @Param({"256", "4194304"})
        public int n;

        private Tensor x;
        private Tensor y;

        @Setup(Level.Trial)
        public void setup() {
            String requested = System.getProperty("anvil.binding");
            if (!Anvil.binding().equals(requested)) {
                throw new IllegalStateException("fork asked for " + requested + " but runs on " + Anvil.binding());
            }
            x = Tensor.zeros(n).fill(-1f);
            y = Tensor.zeros(n);
        }

        @TearDown(Level.Trial)
        public void close() {
            x.close();
            y.close();
        }

        void forward() {
            Native.reluForward(Device.cpu(), n, x.address(), y.address());
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE_ACCESS, JNI})
    public long jniLiveBytes() {
        return Anvil.nativeLiveBytes();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE_ACCESS, FFM})
    public long ffmLiveBytes() {
        return Anvil.nativeLiveBytes();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE_ACCESS, JNI})
    public void jniRelu(Relu r) {
        r.forward();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE_ACCESS, FFM})
    public void ffmRelu(Relu r) {
        r.forward();
    }
}
