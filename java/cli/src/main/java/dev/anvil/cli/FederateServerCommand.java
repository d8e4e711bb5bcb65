package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.federated.Coordinator;
import dev.anvil.federated.ModelEvaluator;
import dev.anvil.federated.ModelWeights;
import dev.anvil.federated.Strategy;
import dev.anvil.federated.transport.FederationServer;
import dev.anvil.nn.Init;
import dev.anvil.nn.Sequential;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code anvil federate server}: the coordinator of a federation of client processes over TCP. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Coordinate a federation over TCP: wait for clients, run the rounds, evaluate on the test set, print a line per round.")
final class FederateServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FederateCommand.Rounds rounds;

    @Mixin
    FederateCommand.Data data;

    @Option(names = "--port", defaultValue = "7070", description = "TCP port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--wait-for", defaultValue = "2", description = "Clients to wait for before the first round (default: ${DEFAULT-VALUE}).")
    int waitFor;

    @Option(names = "--join-timeout", defaultValue = "600", description = "Seconds to wait for them (default: ${DEFAULT-VALUE}).")
    int joinTimeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Anvil.setNumThreads(data.threads);
        Strategy strategy = rounds.strategy();
        Init.manualSeed(rounds.seed);
        try (Sequential model = data.model(); Sequential evalModel = data.model();
             ModelEvaluator eval = new ModelEvaluator(evalModel, data.test(), 1000);
             Coordinator co = Coordinator.builder(ModelWeights.of(model)).strategy(strategy).fitConfig(rounds.fitConfig()).lrSchedule(rounds.lrSchedule())
                     .clientsPerRound(rounds.clientsPerRound).minClients(rounds.minClients).roundTimeout(rounds.timeout()).seed(rounds.seed)
                     .secureAggregation(rounds.secureAgg).secureNeighbours(rounds.secureNeighbours).clientLevelDp(rounds.dp()).evaluator(eval).listener(r -> {
                         out.println(r.summary());
                         out.flush();
                     }).build();
             FederationServer server = FederationServer.start(co, port)) {
            out.printf("federation server on port %d: %s, %d rounds; waiting for %d clients%n", server.port(), strategy, rounds.rounds, waitFor);
            out.flush();
            if (!server.awaitClients(waitFor, Duration.ofSeconds(joinTimeout))) {
                throw new IllegalStateException(co.clientIds().size() + " of " + waitFor + " clients joined within " + joinTimeout + " s: " + co.clientIds());
            }
            out.println("clients " + co.clientIds());
            co.run(rounds.rounds);
            FederateCommand.printBest(out, co);
        }
        return 0;
    }
}
