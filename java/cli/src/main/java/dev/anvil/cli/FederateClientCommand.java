package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.data.Dataset;
import dev.anvil.federated.ClientDataset;
import dev.anvil.federated.ModelClient;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.federated.transport.FederationClient;
import dev.anvil.nn.Sequential;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anvil federate client}: one party of a federation. It trains on its own data (the
 * Fashion-MNIST files in --data; with --index I of --of N, its share under --partition, for
 * experiments on one data set) and sends only weights to the server.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Join a federation over TCP and train on local data when the server asks.")
final class FederateClientCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FederateCommand.Data data;

    @Option(names = "--server", defaultValue = "127.0.0.1:7070", description = "HOST:PORT of the server (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--id", required = true, description = "This client's id, unique in the federation.")
    String id;

    @Option(names = "--index", description = "Use share INDEX (from 0) of the training set split --of ways by --partition.")
    Integer index;

    @Option(names = "--of", defaultValue = "1", description = "Number of shares (clients) the training set is split into (default: ${DEFAULT-VALUE}).")
    int of;

    @Option(names = "--partition", defaultValue = "dirichlet:0.3", description = "iid, dirichlet:ALPHA or shards:N (default: ${DEFAULT-VALUE}).")
    String partition;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the partition; every client must use the same (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--reconnect-timeout", defaultValue = "60", description = "Seconds to keep trying to reach the server (default: ${DEFAULT-VALUE}).")
    int reconnectTimeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int colon = server.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--server must be HOST:PORT, got " + server);
        String host = server.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--server must be HOST:PORT, got " + server, e);
        }
        Anvil.setNumThreads(data.threads);
        Dataset train = data.train();
        if (index != null) {
            if (index < 0 || index >= of) throw new IllegalArgumentException("--index must be in [0, --of), got " + index + " of " + of);
            Partition p = Partitioner.parse(partition).split(ClientDataset.labels(train), train.numClasses(), of, seed);
            train = ClientDataset.of(train, p, index);
            out.printf("client %s: share %d of %d (%s): %d samples, per class %s%n", id, index, of, partition, p.size(index),
                    Arrays.toString(p.classCounts(index)));
        } else {
            out.printf("client %s: %d samples%n", id, train.size());
        }
        out.flush();
        try (Sequential model = data.model()) {
            FederationClient client = new FederationClient(host, port, id, new ModelClient(model, train), Duration.ofSeconds(reconnectTimeout));
            client.run();
            out.printf("client %s: federation over after %d rounds%n", id, client.rounds());
        }
        return 0;
    }
}
