package dev.anvil.federated.transport;

import dev.anvil.data.Dataset;
import dev.anvil.federated.Blobs;
import dev.anvil.federated.ClientDataset;
import dev.anvil.federated.ModelClient;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.nn.Sequential;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client process of the multi-process tests: its share of a blobs data set, the tests' small
 * model. Arguments: port id clientIndex clients [hangAfterReads markerFile] — with the last two it
 * writes the marker and stops dead (mid-round) after that many sample reads.
 */
public final class BlobsClientMain {
    private BlobsClientMain() {}

    static Sequential model() {
        return dev.anvil.federated.TrainingTest.model(3);
    }

    static Dataset share(int index, int clients) {
        Blobs all = new Blobs(800, 4, 3, 8);
        Partition p = Partitioner.dirichlet(1.0).split(ClientDataset.labels(all), 3, clients, 4);
        return ClientDataset.of(all, p, index);
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String id = args[1];
        Dataset data = share(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        if (args.length > 5) data = new Hanging(data, Long.parseLong(args[4]), Path.of(args[5]));
        try (Sequential m = model()) {
            new FederationClient("127.0.0.1", port, id, new ModelClient(m, data), Duration.ofSeconds(30)).run();
        }
        System.exit(0);
    }

    /** Reads normally, then after {@code after} reads writes a marker file and blocks. */
    static final class Hanging extends dev.anvil.data.IndexedView {
        private final long after;
        private final Path marker;
        private long reads;

        Hanging(Dataset source, long after, Path marker) {
            super(source);
            this.after = after;
            this.marker = marker;
        }

        @Override
        public int size() {
            return source().size();
        }

        @Override
        protected int sourceIndex(int index) {
            return index;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            if (++reads == after) {
                try {
                    Files.writeString(marker, "mid-round");
                    Thread.sleep(Long.MAX_VALUE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            super.read(index, dst);
        }
    }
}
