package dev.anvil.federated.partition;

import dev.anvil.federated.NamedSpec;
import java.util.Objects;

/**
 * Splits a labelled data set among federated clients. The same labels, client count and seed give
 * the same partition.
 */
public interface Partitioner {
    /**
     * Assigns every sample index of {@code labels} to one of {@code clients} clients.
     *
     * @throws IllegalArgumentException if there are fewer samples than the partition needs or the
     *     arguments are out of range
     */
    Partition split(int[] labels, int numClasses, int clients, long seed);

    /** Equal random shares of the samples (sizes differ by at most one). */
    static Partitioner iid() {
        return new IidPartitioner();
    }

    /**
     * Label skew of NIID-Bench (Li et al. 2022): each class is split among the clients in proportions
     * drawn from Dirichlet(alpha); small alpha gives few classes per client.
     */
    static Partitioner dirichlet(double alpha) {
        return new DirichletPartitioner(alpha, 10);
    }

    /**
     * The pathological non-IID split of McMahan et al. 2017: samples sorted by label are cut into
     * {@code clients * shardsPerClient} equal shards and each client gets {@code shardsPerClient} at random.
     */
    static Partitioner shards(int shardsPerClient) {
        return new ShardPartitioner(shardsPerClient);
    }

    /**
     * Parses {@code iid}, {@code dirichlet:ALPHA} or {@code shards:N}.
     *
     * @throws IllegalArgumentException naming the accepted forms for anything else
     */
    static Partitioner parse(String spec) {
        NamedSpec n = NamedSpec.parse("partition", spec);
        switch (n.kind()) {
            case "iid":
                if (!n.hasArg()) return iid();
                break;
            case "dirichlet":
                if (n.hasArg()) return dirichlet(n.number(0));
                break;
            case "shards":
                double k = n.number(-1);
                if (n.hasArg() && k == Math.rint(k) && Math.abs(k) < Integer.MAX_VALUE) return shards((int) k);
                break;
            default:
                break;
        }
        throw n.unknown("iid, dirichlet:ALPHA or shards:N");
    }

    /** Checks the common arguments. */
    static void check(int[] labels, int numClasses, int clients, int minSamples) {
        Objects.requireNonNull(labels, "labels");
        if (numClasses <= 0) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        if (clients <= 0) throw new IllegalArgumentException("clients must be positive, got " + clients);
        if (labels.length < minSamples) {
            throw new IllegalArgumentException(labels.length + " samples cannot be split among " + clients + " clients (need at least " + minSamples + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " outside [0, " + numClasses + ")");
        }
    }
}
