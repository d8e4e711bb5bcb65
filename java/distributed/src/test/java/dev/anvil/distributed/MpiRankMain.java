package dev.anvil.distributed;

import dev.anvil.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank of the jobs that {@link MpiProcessGroupJobTest} starts under mpirun: runs a scenario with
 * an {@link MpiProcessGroup} of two ranks and writes what it got to {@code <dir>/rank-<r>.txt}, one
 * result per line ("name value value ...", floats as the hex of their bits so that the test can
 * compare the ranks bit for bit).
 *
 * <p>Usage: {@code MpiRankMain collectives|stall <dir>}.
 */
public final class MpiRankMain {
    static final int WORLD = 2;
    static final int LENGTH = 1000;
    static final int STALLED_RANK = 1;
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(2);

    private MpiRankMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "collectives" -> collectives(dir);
            case "stall" -> stall(dir);
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
    }

    /** The values rank {@code rank} contributes to the all-reduces. */
    static float[] input(int rank) {
        float[] v = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) v[i] = (float) Math.sin(0.37 * i + rank) * (rank + 1);
        return v;
    }

    static byte[] gathered(int rank) {
        return ("rank " + rank + "!".repeat(3 * rank)).getBytes(StandardCharsets.UTF_8);
    }

    private static void collectives(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (MpiProcessGroup g = MpiProcessGroup.create(WORLD, Duration.ofSeconds(60))) {
            int rank = g.rank();
            try (Tensor sum = Tensor.of(input(rank), LENGTH); Tensor avg = Tensor.of(input(rank), LENGTH);
                    Tensor root = Tensor.of(input(rank), LENGTH)) {
                Work pending = g.allReduceAsync(sum, ReduceOp.SUM);
                g.allReduce(avg, ReduceOp.AVG); // queued behind the asynchronous one
                pending.await();
                g.broadcast(root, 1);
                lines.add(floats("sum", sum.toFloatArray()));
                lines.add(floats("avg", avg.toFloatArray()));
                lines.add(floats("broadcast", root.toFloatArray()));
            }
            g.barrier();
            byte[][] all = g.allGather(gathered(rank));
            StringBuilder text = new StringBuilder("allGather");
            for (byte[] b : all) text.append(' ').append(new String(b, StandardCharsets.UTF_8));
            lines.add(text.toString());
            lines.add("allGatherEmpty " + g.allGather(new byte[0]).length);
            List<float[]> parameters = DistributedDataParallelTest.train(g, ShardingStrategy.strided(),
                    DistributedDataParallel.DEFAULT_BUCKET_CAP_BYTES);
            for (int i = 0; i < parameters.size(); i++) lines.add(floats("parameter" + i, parameters.get(i)));
            Files.write(dir.resolve("rank-" + rank + ".txt"), lines);
        }
    }

    /** Rank 1 arrives late for collective #1: rank 0 reports the timeout, then the job is aborted. */
    private static void stall(Path dir) throws Exception {
        MpiProcessGroup g = MpiProcessGroup.create(WORLD, STALL_TIMEOUT);
        try (Tensor t = Tensor.of(input(g.rank()), LENGTH)) {
            g.allReduce(t, ReduceOp.SUM);
            if (g.rank() == STALLED_RANK) Thread.sleep(STALL_TIMEOUT.multipliedBy(10).toMillis());
            long start = System.nanoTime();
            try {
                g.allReduce(t, ReduceOp.SUM);
                Files.writeString(dir.resolve("rank-" + g.rank() + ".txt"), "completed\n");
            } catch (CollectiveException e) {
                long ms = (System.nanoTime() - start) / 1_000_000;
                Files.writeString(dir.resolve("rank-" + g.rank() + ".txt"), ms + "\n" + e.getMessage() + "\n");
            }
        }
        g.close(); // aborts the job: the stalled rank is still asleep
    }

    private static String floats(String name, float[] values) {
        StringBuilder s = new StringBuilder(name);
        for (float v : values) s.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
        return s.toString();
    }
}
