package dev.anvil.bench;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.distributed.DdpTrainer;
import dev.anvil.distributed.DistributedDataParallel;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
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
 * One data-parallel training step of the reference CNN (SGD with momentum) per rank, ranks being
 * threads of a LocalProcessGroup; compare with {@link TrainStepBenchmark} at the same batch for
 * the overhead of gradient synchronisation. Each rank computes on a CPU context of its own with
 * an equal share of the native threads, so the ranks' kernels run at once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DdpStepBenchmark {
    @Param({"64"})
    public int batch;

    @Param({"1", "2"})
    public int ranks;

    private Replica[] replicas;
    private PeerRanks peers;
    private Anvil.ThreadContext rank0Context;

    /** One rank's model, optimizer and batch. */
    private final class Replica implements AutoCloseable {
        final Sequential model;
        final SGD optimizer;
        final Tensor images;
        final Tensor labels;
        DistributedDataParallel ddp;
        DdpTrainer trainer;

        Replica() {
            model = Models.fashionMnistCnn();
            optimizer = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
            images = OpBenchmark.random(Device.cpu(), batch, 1, 28, 28);
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) y[i] = i % 10;
            labels = Tensor.ofInts(y, batch);
        }

        /** Wraps the model; a collective, so every rank's thread calls it. */
        void join(ProcessGroup g) {
            ddp = DistributedDataParallel.builder(model, g).build();
            trainer = new DdpTrainer(ddp, optimizer);
        }

        float step() {
            return trainer.step(images, labels);
        }

        @Override
        public void close() {
            trainer.close();
            ddp.close();
            optimizer.close();
            model.close();
            images.close();
            labels.close();
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        Init.manualSeed(0);
        replicas = new Replica[ranks];
        for (int r = 0; r < ranks; r++) replicas[r] = new Replica();
        peers = new PeerRanks("local", ranks, g -> {
            Replica replica = replicas[g.rank()];
            if (replica.trainer == null) replica.join(g);
            replica.step();
        });
        rank0Context = Anvil.threadContext(PeerRanks.share(ranks)); // after the peers took their shares
        replicas[0].join(peers.rank0());
    }

    @Benchmark
    public float step() {
        return replicas[0].step();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        peers.close();
        for (Replica r : replicas) r.close();
        rank0Context.close();
    }
}
