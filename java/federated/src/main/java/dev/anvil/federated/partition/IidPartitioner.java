package dev.anvil.federated.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** See {@link Partitioner#iid()}. */
final class IidPartitioner implements Partitioner {
    @Override
    public Partition split(int[] labels, int numClasses, int clients, long seed) {
        Partitioner.check(labels, numClasses, clients, clients);
        int[] order = Shuffle.permutation(labels.length, new SplittableRandom(seed));
        List<int[]> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int from = (int) ((long) labels.length * c / clients), to = (int) ((long) labels.length * (c + 1) / clients);
            out.add(Arrays.copyOfRange(order, from, to));
        }
        return new Partition(out, labels, numClasses);
    }

    @Override
    public String toString() {
        return "iid";
    }
}
