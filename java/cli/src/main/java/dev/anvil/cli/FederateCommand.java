package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.data.Dataset;
import dev.anvil.data.FashionMnist;
import dev.anvil.federated.ClientDataset;
import dev.anvil.federated.ClientLevelDp;
import dev.anvil.federated.Coordinator;
import dev.anvil.federated.FitConfig;
import dev.anvil.federated.RoundResult;
import dev.anvil.federated.Simulation;
import dev.anvil.federated.Strategy;
import dev.anvil.federated.partition.Partition;
import dev.anvil.federated.partition.Partitioner;
import dev.anvil.nn.Init;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.LrSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anvil federate}: federated training of fmnist-cnn on Fashion-MNIST split among simulated
 * clients in this JVM (the same coordinator and strategies as {@code anvil federate server} and
 * {@code anvil federate client}, which run it across processes and machines).
 */
@Command(name = "federate", mixinStandardHelpOptions = true, subcommands = {FederateServerCommand.class, FederateClientCommand.class},
        description = "Federated learning on Fashion-MNIST: simulate N clients in this JVM, or run a real federation with the server and "
                + "client subcommands.")
final class FederateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Rounds rounds;

    @Mixin
    Data data;

    @Option(names = "--clients", defaultValue = "10", description = "Simulated clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--partition", defaultValue = "dirichlet:0.3", description = "iid, dirichlet:ALPHA or shards:N (default: ${DEFAULT-VALUE}).")
    String partition;

    @Option(names = "--quiet-partition", description = "Do not print each client's samples per class.")
    boolean quietPartition;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (clients <= 0) throw new IllegalArgumentException("--clients must be positive, got " + clients);
        Anvil.setNumThreads(data.threads);
        Dataset train = data.train(), test = data.test();
        Partition p = Partitioner.parse(partition).split(ClientDataset.labels(train), train.numClasses(), clients, rounds.seed);
        Strategy strategy = rounds.strategy();
        ClientLevelDp dp = rounds.dp();
        out.printf("federated %s of fmnist-cnn (width %s): %d clients, partition %s, %d rounds, %d local epoch(s), batch %d, lr %s, momentum %s%s%s%s%n", strategy,
                data.width, clients, partition, rounds.rounds, rounds.localEpochs, rounds.batch, rounds.lr, rounds.momentum, rounds.lrSchedule.equals("none") ? "" : " (" + rounds.lrSchedule + " over the rounds)", rounds.secureAgg ? ", secure aggregation" + (rounds.secureNeighbours > 0 ? " with " + rounds.secureNeighbours + " neighbours" : "") : "",
                dp == null ? "" : ", " + dp);
        if (!quietPartition) out.print(p.describe());
        out.flush();
        Init.manualSeed(rounds.seed);
        try (Sequential model = data.model();
             Simulation sim = Simulation.builder(model, train, p).test(test).strategy(strategy).fitConfig(rounds.fitConfig()).lrSchedule(rounds.lrSchedule())
                     .clientsPerRound(rounds.clientsPerRound).minClients(rounds.minClients).roundTimeout(rounds.timeout()).seed(rounds.seed)
                     .secureAggregation(rounds.secureAgg).secureNeighbours(rounds.secureNeighbours).clientLevelDp(dp).listener(r -> {
                         out.println(r.summary());
                         out.flush();
                     }).build()) {
            sim.run(rounds.rounds);
            printBest(out, sim.coordinator());
        }
        return 0;
    }

    static void printBest(PrintWriter out, Coordinator co) {
        RoundResult best = null;
        for (RoundResult r : co.history()) {
            if (r.evaluation() != null && (best == null || r.evaluation().accuracy() > best.evaluation().accuracy())) best = r;
        }
        if (best != null) out.printf("best test accuracy %.4f at round %d of %d%n", best.evaluation().accuracy(), best.round(), co.round());
        if (!Double.isNaN(co.epsilon())) out.printf("client-level epsilon %.3f%n", co.epsilon());
        if (co.lateUpdates() > 0) out.printf("%d late update(s) dropped%n", co.lateUpdates());
        out.flush();
    }

    /** Options of the rounds, shared by the simulation and the server. */
    static final class Rounds {
        @Option(names = "--rounds", defaultValue = "30", description = "Rounds (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--strategy", defaultValue = "fedavg", description = "fedavg, fedprox[:MU], fedadam[:ETA], fedyogi[:ETA], "
                + "trimmed-mean[:BETA] or median (default: ${DEFAULT-VALUE}).")
        String strategy;

        @Option(names = "--mu", description = "FedProx's proximal coefficient (default 0.01; same as fedprox:MU).")
        Double mu;

        @Option(names = "--dp-clip", description = "Client-level differential privacy (DP-FedAvg): clip each client's update to this L2 norm at "
                + "the server, average with a fixed denominator, add Gaussian noise (--dp-noise) and report epsilon; clients are then sampled "
                + "independently with probability --clients-per-round / clients.")
        Double dpClip;

        @Option(names = "--dp-noise", defaultValue = "1", description = "With --dp-clip, the noise multiplier z: noise sd z * clip / expected "
                + "clients per round (default: ${DEFAULT-VALUE}).")
        double dpNoise;

        @Option(names = "--dp-delta", defaultValue = "1e-5", description = "With --dp-clip, the delta of the reported epsilon (default: ${DEFAULT-VALUE}).")
        double dpDelta;

        @Option(names = "--local-epochs", defaultValue = "1", description = "Local epochs per round (default: ${DEFAULT-VALUE}).")
        int localEpochs;

        @Option(names = "--batch", defaultValue = "32", description = "Local batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--lr", defaultValue = "0.04", description = "Local SGD learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--lr-schedule", defaultValue = "cosine", description = "Clients' learning rate over the rounds: none or cosine "
                + "(annealed from --lr towards 0 over --rounds; default: ${DEFAULT-VALUE}).")
        String lrSchedule;

        @Option(names = "--momentum", defaultValue = "0.9", description = "Local SGD momentum (default: ${DEFAULT-VALUE}).")
        double momentum;

        @Option(names = "--clients-per-round", defaultValue = "0", description = "Clients sampled per round, 0 = all (default: ${DEFAULT-VALUE}).")
        int clientsPerRound;

        @Option(names = "--min-clients", defaultValue = "1", description = "Quorum: valid updates a round needs to aggregate (default: ${DEFAULT-VALUE}).")
        int minClients;

        @Option(names = "--round-timeout", defaultValue = "600", description = "Seconds a round waits for its clients (default: ${DEFAULT-VALUE}).")
        double roundTimeout;

        @Option(names = "--secure-agg", description = "Pairwise-masked secure aggregation: the coordinator sees only the sum of the updates.")
        boolean secureAgg;

        @Option(names = "--secure-neighbours", defaultValue = "0", description = "With --secure-agg, mask with K random neighbours per client "
                + "(SecAgg+) instead of with all (0) (default: ${DEFAULT-VALUE}).")
        int secureNeighbours;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, partition, sampling and shuffling (default: ${DEFAULT-VALUE}).")
        long seed;

        Strategy strategy() {
            if (rounds <= 0) throw new IllegalArgumentException("--rounds must be positive, got " + rounds);
            Strategy s;
            if (mu != null) {
                if (!strategy.trim().equalsIgnoreCase("fedprox")) throw new IllegalArgumentException("--mu applies to --strategy fedprox only");
                s = Strategy.parse("fedprox:" + mu);
            } else {
                s = Strategy.parse(strategy);
            }
            return s;
        }

        /** Client-level DP of --dp-clip, or null. */
        ClientLevelDp dp() {
            return dpClip == null ? null : new ClientLevelDp(dpClip, dpNoise, dpDelta, seed);
        }

        FitConfig fitConfig() {
            return new FitConfig(localEpochs, batch, lr, momentum, 0, seed);
        }

        /** The per-round learning-rate schedule of --lr-schedule. */
        LrSchedule lrSchedule() {
            return switch (lrSchedule) {
                case "none" -> (base, step) -> base;
                case "cosine" -> LrSchedule.cosine(rounds);
                default -> throw new IllegalArgumentException("--lr-schedule must be none or cosine, got " + lrSchedule);
            };
        }

        Duration timeout() {
            if (!(roundTimeout > 0)) throw new IllegalArgumentException("--round-timeout must be positive, got " + roundTimeout);
            return Duration.ofMillis((long) (roundTimeout * 1000));
        }
    }

    /** The data set and model options. */
    static final class Data {
        @Option(names = "--data", description = "Folder with the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist).")
        Path dir;

        @Option(names = "--limit", description = "Use the first N training samples only (quick runs).")
        Integer limit;

        @Option(names = "--test-limit", description = "Evaluate on the first N test samples only.")
        Integer testLimit;

        @Option(names = "--width", defaultValue = "1", description = "fmnist-cnn width multiplier; every party must use the same (default: ${DEFAULT-VALUE}).")
        double width;

        @Option(names = "--threads", defaultValue = "0", description = "Compute threads, 0 = every CPU (default: ${DEFAULT-VALUE}).")
        int threads;

        Path dir() {
            return dir != null ? dir : FashionMnist.defaultDir();
        }

        Dataset train() throws IOException {
            Dataset d = FashionMnist.train(dir());
            return limit == null ? d : d.subset(limit);
        }

        Dataset test() throws IOException {
            Dataset d = FashionMnist.test(dir());
            return testLimit == null ? d : d.subset(testLimit);
        }

        Sequential model() {
            return Models.fashionMnistCnn(width, 0.4);
        }
    }
}
