package dev.anvil.federated;

import dev.anvil.train.Evaluation;
import java.util.List;
import java.util.Map;

/**
 * What happened in one round: the clients sampled, those whose update was aggregated, those
 * rejected or failed (by id, with the reason), how many had not answered when the round closed,
 * whether the global model changed, the clients' mean training loss, the global model's evaluation
 * (null without an evaluator or when the round failed), the round's wall time and the client-level
 * epsilon spent after it (NaN without differential privacy).
 */
public record RoundResult(int round, List<String> sampled, List<String> accepted, Map<String, String> rejected, Map<String, String> failed,
        int late, boolean aggregated, double trainLoss, Evaluation evaluation, double seconds, double epsilon) {
    public RoundResult {
        sampled = List.copyOf(sampled);
        accepted = List.copyOf(accepted);
        rejected = Map.copyOf(rejected);
        failed = Map.copyOf(failed);
    }

    /** One line for a log or the console. */
    public String summary() {
        StringBuilder sb = new StringBuilder(String.format("round %3d: %d/%d clients", round, accepted.size(), sampled.size()));
        if (!rejected.isEmpty()) sb.append(", ").append(rejected.size()).append(" rejected");
        if (!failed.isEmpty()) sb.append(", ").append(failed.size()).append(" failed");
        if (late > 0) sb.append(", ").append(late).append(" late");
        if (!aggregated) sb.append(", not aggregated (below quorum)");
        else sb.append(String.format(", train loss %.4f", trainLoss));
        if (evaluation != null) sb.append(String.format(", test accuracy %.4f, test loss %.4f", evaluation.accuracy(), evaluation.loss()));
        if (!Double.isNaN(epsilon)) sb.append(String.format(", epsilon %.3f", epsilon));
        sb.append(String.format(", %.1f s", seconds));
        return sb.toString();
    }
}
