package dev.anvil.federated.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * See {@link Partitioner#shards(int)}. Samples are ordered by label (ties in a seeded random
 * order), cut into equal shards (the last ones take the remainder), and the shards are dealt to the
 * clients in a seeded random order.
 */
final class ShardPartitioner implements Partitioner {
    private final int shardsPerClient;

    ShardPartitioner(int shardsPerClient) {
        if (shardsPerClient <= 0) throw new IllegalArgumentException("shards per client must be positive, got " + shardsPerClient);
        this.shardsPerClient = shardsPerClient;
    }

    @Override
    public Partition split(int[] labels, int numClasses, int clients, long seed) {
        int shards = Math.multiplyExact(clients, shardsPerClient);
        Partitioner.check(labels, numClasses, clients, shards);
        SplittableRandom rng = new SplittableRandom(seed);
        int[] shuffled = Shuffle.permutation(labels.length, rng);
        int[] sorted = IntStream.of(shuffled).boxed().sorted(Comparator.comparingInt(i -> labels[i])).mapToInt(Integer::intValue).toArray();
        int[] shardOrder = Shuffle.permutation(shards, rng);
        List<int[]> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int[][] pieces = new int[shardsPerClient][];
            int total = 0;
            for (int s = 0; s < shardsPerClient; s++) {
                int shard = shardOrder[c * shardsPerClient + s];
                int from = (int) ((long) labels.length * shard / shards), to = (int) ((long) labels.length * (shard + 1) / shards);
                pieces[s] = Arrays.copyOfRange(sorted, from, to);
                total += pieces[s].length;
            }
            int[] mine = new int[total];
            int at = 0;
            for (int[] p : pieces) {
                System.arraycopy(p, 0, mine, at, p.length);
                at += p.length;
            }
            out.add(mine);
        }
        return new Partition(out, labels, numClasses);
    }

    @Override
    public String toString() {
        return "shards:" + shardsPerClient;
    }
}
