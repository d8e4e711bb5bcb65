package dev.anvil.federated;

import dev.anvil.federated.strategy.FedAvg;
import dev.anvil.federated.strategy.FedOpt;
import dev.anvil.federated.strategy.FedProx;
import dev.anvil.federated.strategy.Median;
import dev.anvil.federated.strategy.TrimmedMean;
import java.util.List;

/**
 * How the coordinator turns the clients' updates of a round into the next global model, and what
 * it asks the clients to do. Implementations keep server state (FedAdam's moments) between rounds;
 * one coordinator calls them from one thread.
 */
public interface Strategy {
    /** The fit options for {@code round} derived from the coordinator's base options (FedProx sets mu). */
    default FitConfig configure(int round, FitConfig base) {
        return base;
    }

    /**
     * The new global weights from the current ones and the round's accepted updates (at least one,
     * each of the global's length, finite). Must not modify its arguments.
     */
    float[] aggregate(int round, float[] global, List<ClientUpdate> updates);

    /** Short name as on the command line. */
    String name();

    /**
     * Parses {@code fedavg}, {@code fedprox[:MU]} (default mu 0.01), {@code fedadam[:ETA]},
     * {@code fedyogi[:ETA]}, {@code trimmed-mean[:BETA]} (default 0.1) or {@code median}.
     *
     * @throws IllegalArgumentException naming the accepted forms for anything else
     */
    static Strategy parse(String spec) {
        NamedSpec n = NamedSpec.parse("strategy", spec);
        switch (n.kind()) {
            case "fedavg":
                if (!n.hasArg()) return new FedAvg();
                break;
            case "fedprox":
                return new FedProx(n.number(0.01));
            case "fedadam":
                return n.hasArg() ? FedOpt.adam().eta(n.number(0)).build() : FedOpt.adam().build();
            case "fedyogi":
                return n.hasArg() ? FedOpt.yogi().eta(n.number(0)).build() : FedOpt.yogi().build();
            case "trimmed-mean":
                return new TrimmedMean(n.number(0.1));
            case "median":
                if (!n.hasArg()) return new Median();
                break;
            default:
                break;
        }
        throw n.unknown("fedavg, fedprox[:MU], fedadam[:ETA], fedyogi[:ETA], trimmed-mean[:BETA] or median");
    }
}
