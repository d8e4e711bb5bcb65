package dev.anvil.distributed;

import dev.anvil.Tensor;
import java.time.Duration;

/**
 * All-reduce bandwidth of {@link MpiProcessGroup}, measured by hand (not a test: timings assert
 * nothing): {@code mpirun -np 2 java -cp <test class path> dev.anvil.distributed.MpiAllReduceBandwidthMain}.
 * Rank 0 prints, per size, the mean time of 20 SUM all-reduces after 5 warm-up ones, the algorithm
 * bandwidth (bytes / time) and the bus bandwidth (2 (n-1)/n bytes / time, what each rank's links
 * carry in a ring all-reduce; for 2 ranks both are equal).
 */
public final class MpiAllReduceBandwidthMain {
    private static final int WARMUP = 5;
    private static final int ITERATIONS = 20;

    private MpiAllReduceBandwidthMain() {}

    public static void main(String[] args) {
        try (MpiProcessGroup g = MpiProcessGroup.create(Duration.ofMinutes(1))) {
            for (long megabytes : new long[] {4, 64}) {
                long bytes = megabytes << 20;
                try (Tensor t = Tensor.zeros(bytes / Float.BYTES).fill(1f / g.worldSize())) {
                    for (int i = 0; i < WARMUP; i++) g.allReduce(t, ReduceOp.SUM);
                    g.barrier();
                    long start = System.nanoTime();
                    for (int i = 0; i < ITERATIONS; i++) g.allReduce(t, ReduceOp.SUM);
                    double seconds = (System.nanoTime() - start) / 1e9 / ITERATIONS;
                    int n = g.worldSize();
                    if (g.rank() == 0) {
                        System.out.printf("all-reduce %d MB, %d ranks: %.3f ms, algbw %.2f GB/s, busbw %.2f GB/s%n", megabytes, n,
                                seconds * 1e3, bytes / seconds / 1e9, 2.0 * (n - 1) / n * bytes / seconds / 1e9);
                    }
                }
            }
        }
    }
}
