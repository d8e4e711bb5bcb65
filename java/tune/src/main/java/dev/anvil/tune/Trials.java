package dev.anvil.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/** Summaries of a list of trials: the best one, counts by state, and the one-line form of the live display. */
public final class Trials {
    private Trials() {}

    public static Optional<FrozenTrial> best(List<FrozenTrial> trials, Direction d) {
        return trials.stream().filter(t -> t.state() == TrialState.COMPLETE)
                .min(Comparator.comparingDouble((FrozenTrial t) -> d.loss(t.value())).thenComparingInt(FrozenTrial::number));
    }

    /**
     * Complete trials by value, best first, then pruned ones: those that got further first, then by
     * their last reported value (NaN last). This is how Optuna's TPE ranks pruned trials: worse
     * than any complete one, and the better the longer they lasted.
     */
    public static List<FrozenTrial> ranked(List<FrozenTrial> trials, Direction d) {
        List<FrozenTrial> complete = new ArrayList<>(), pruned = new ArrayList<>();
        for (FrozenTrial t : trials) {
            if (t.state() == TrialState.COMPLETE) complete.add(t);
            else if (t.state() == TrialState.PRUNED) pruned.add(t);
        }
        complete.sort(Comparator.comparingDouble((FrozenTrial t) -> d.loss(t.value())).thenComparingInt(FrozenTrial::number));
        pruned.sort(Comparator.comparingLong((FrozenTrial t) -> -t.lastStep()).thenComparingDouble(t -> lastLoss(t, d)));
        complete.addAll(pruned);
        return complete;
    }

    private static double lastLoss(FrozenTrial t, Direction d) {
        if (t.intermediate().isEmpty()) return Double.POSITIVE_INFINITY;
        double v = t.intermediate().lastEntry().getValue();
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : d.loss(v);
    }

    public static Map<TrialState, Integer> counts(List<FrozenTrial> trials) {
        Map<TrialState, Integer> m = new EnumMap<>(TrialState.class);
        for (TrialState s : TrialState.values()) m.put(s, 0);
        for (FrozenTrial t : trials) m.merge(t.state(), 1, Integer::sum);
        return m;
    }

    public static String params(Map<String, Object> params) {
        StringJoiner j = new StringJoiner(" ");
        params.forEach((k, v) -> j.add(k + "=" + (v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : v)));
        return j.toString();
    }

    /** E.g. "trial 12 COMPLETE 0.9012 (best 0.9050 #7) lr=0.0123 batch=64 63.2 s". */
    public static String line(FrozenTrial t, Optional<FrozenTrial> best) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "trial %3d %-8s", t.number(), t.state()));
        if (t.value() != null) sb.append(String.format(Locale.ROOT, " %.6g", t.value()));
        if (t.state() == TrialState.PRUNED) sb.append(" at step ").append(t.lastStep());
        best.ifPresent(b -> sb.append(String.format(Locale.ROOT, " (best %.6g #%d)", b.value(), b.number())));
        sb.append(" | ").append(params(t.params()));
        sb.append(String.format(Locale.ROOT, " | %.1f s", t.seconds()));
        if (t.state() == TrialState.FAILED || t.state() == TrialState.LOST) sb.append(" | ").append(t.reason());
        return sb.toString();
    }
}
