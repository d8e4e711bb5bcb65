package dev.anvil.federated.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * See {@link Partitioner#dirichlet(double)}. As NIID-Bench's {@code noniid-labeldir}: for each class
 * the proportions p ~ Dir(alpha) are zeroed for clients that already hold at least N / clients
 * samples and renormalised, the class's shuffled indices are cut at the cumulative proportions, and
 * the whole draw is repeated until every client has at least {@code minSize} samples.
 */
final class DirichletPartitioner implements Partitioner {
    private static final int MAX_TRIES = 10_000;
    private final double alpha;
    private final int minSize;

    DirichletPartitioner(double alpha, int minSize) {
        if (!(alpha > 0 && Double.isFinite(alpha))) throw new IllegalArgumentException("Dirichlet alpha must be positive and finite, got " + alpha);
        this.alpha = alpha;
        this.minSize = minSize;
    }

    @Override
    public Partition split(int[] labels, int numClasses, int clients, long seed) {
        Partitioner.check(labels, numClasses, clients, clients);
        int need = Math.min(minSize, labels.length / clients);
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int k = 0; k < numClasses; k++) byClass.add(new ArrayList<>());
        for (int i = 0; i < labels.length; i++) byClass.get(labels[i]).add(i);
        double fair = (double) labels.length / clients;
        for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
            int[][] parts = new int[clients][];
            int[] sizes = new int[clients];
            List<List<Integer>> assigned = new ArrayList<>();
            for (int c = 0; c < clients; c++) assigned.add(new ArrayList<>());
            for (int k = 0; k < numClasses; k++) {
                int[] idx = byClass.get(k).stream().mapToInt(Integer::intValue).toArray();
                Shuffle.shuffle(idx, rng);
                double[] p = Shuffle.dirichlet(alpha, clients, rng);
                double sum = 0;
                for (int c = 0; c < clients; c++) {
                    if (sizes[c] >= fair) p[c] = 0;
                    sum += p[c];
                }
                if (sum == 0) { // every client is full: spread evenly
                    for (int c = 0; c < clients; c++) p[c] = 1;
                    sum = clients;
                }
                double cum = 0;
                int from = 0;
                for (int c = 0; c < clients; c++) {
                    cum += p[c] / sum;
                    int to = c == clients - 1 ? idx.length : (int) Math.min(idx.length, Math.floor(cum * idx.length));
                    for (int i = from; i < to; i++) assigned.get(c).add(idx[i]);
                    from = Math.max(from, to);
                }
                for (int c = 0; c < clients; c++) sizes[c] = assigned.get(c).size();
            }
            int smallest = Integer.MAX_VALUE;
            for (int s : sizes) smallest = Math.min(smallest, s);
            if (smallest >= need) {
                for (int c = 0; c < clients; c++) parts[c] = assigned.get(c).stream().mapToInt(Integer::intValue).toArray();
                return new Partition(List.of(parts), labels, numClasses);
            }
        }
        throw new IllegalArgumentException("Dirichlet(" + alpha + ") could not give each of " + clients + " clients " + need
                + " samples of " + labels.length + " in " + MAX_TRIES + " draws; use fewer clients or a larger alpha");
    }

    @Override
    public String toString() {
        return "dirichlet:" + alpha;
    }
}
