package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.Tensor;
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
 * {@link Tensor#fill} of {@code n} floats (256: overhead-bound; 4M: memory-bound), through the public API.
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

    /** The tensor to fill, and a check that the fork runs on the binding it asked for. */
    @State(Scope.Thread)
    public static class Fill {
        @Param({"256", "4194304"})
        public int n;

        private Tensor y;

        @Setup(Level.Trial)
        public void setup() {
            String requested = System.getProperty("anvil.binding");
            if (!Anvil.binding().equals(requested)) {
                throw new IllegalStateException("fork asked for " + requested + " but runs on " + Anvil.binding());
            }
            y = Tensor.zeros(n);
        }

        @TearDown(Level.Trial)
        public void close() {
            y.close();
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
    public Tensor jniFill(Fill f) {
        return f.y.fill(1f);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE_ACCESS, FFM})
    public Tensor ffmFill(Fill f) {
        return f.y.fill(1f);
    }
}
