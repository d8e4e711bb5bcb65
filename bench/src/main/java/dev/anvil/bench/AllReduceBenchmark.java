package dev.anvil.bench;

import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.distributed.ReduceOp;
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
 * Sum all-reduce of one float32 buffer between 2 ranks (threads of this JVM) of a backend:
 * {@code local} (shared memory: each rank reads both buffers and writes both for its half, so
 * memory traffic is about 3x the size) or {@code tcp} (ring over loopback sockets: each rank sends
 * and receives the size once). Algorithm bandwidth = megabytes / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AllReduceBenchmark {
    @Param({"4", "64"})
    public int megabytes;

    @Param({"2"})
    public int ranks;

    @Param({"local", "tcp"})
    public String backend;

    private Tensor mine;
    private Tensor[] theirs;
    private PeerRanks peers;

    @Setup(Level.Trial)
    public void setup() {
        long floats = megabytes * (1L << 20) / Float.BYTES;
        mine = Tensor.emptyUnscoped(DType.FLOAT32, floats).zero(); // zeros stay zeros: no overflow however long it runs
        theirs = new Tensor[ranks];
        for (int r = 1; r < ranks; r++) theirs[r] = Tensor.emptyUnscoped(DType.FLOAT32, floats).zero();
        peers = new PeerRanks(backend, ranks, g -> g.allReduce(theirs[g.rank()], ReduceOp.SUM));
    }

    @Benchmark
    public void allReduce() {
        peers.rank0().allReduce(mine, ReduceOp.SUM);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        peers.close();
        mine.close();
        for (int r = 1; r < ranks; r++) theirs[r].close();
    }
}
