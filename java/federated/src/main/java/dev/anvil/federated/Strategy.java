package dev.anvil.federated;

import dev.anvil.federated.strategy.FedAvg;
import dev.anvil.federated.strategy.FedOpt;
import dev.anvil.federated.strategy.FedProx;
import dev.anvil.federated.strategy.Median;
import dev.anvil.federated.strategy.TrimmedMean;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

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
        Objects.requireNonNull(spec, "spec");
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1);
        try {
            switch (kind) {
                case "fedavg":
                    if (arg == null) return new FedAvg();
                    break;
                case "fedprox":
                    return new FedProx(arg == null ? 0.01 : Double.parseDouble(arg));
                case "fedadam":
                    return arg == null ? FedOpt.adam().build() : FedOpt.adam().eta(Double.parseDouble(arg)).build();
                case "fedyogi":
                    return arg == null ? FedOpt.yogi().build() : FedOpt.yogi().eta(Double.parseDouble(arg)).build();
                case "trimmed-mean":
                    return new TrimmedMean(arg == null ? 0.1 : Double.parseDouble(arg));
                case "median":
                    if (arg == null) return new Median();
                    break;
                default:
                    break;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("strategy '" + spec + "': bad number " + arg, e);
        }
        throw new IllegalArgumentException("strategy '" + spec + "': expected fedavg, fedprox[:MU], fedadam[:ETA], fedyogi[:ETA], trimmed-mean[:BETA] or median");
    }
}
