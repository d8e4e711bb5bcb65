package dev.anvil.tune;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A trial as the journal records it at one moment.
 *
 * @param number        0, 1, 2, ... in the order trials were asked
 * @param state         where it stands
 * @param params        the active parameters' values, in declaration order
 * @param value         the objective value (COMPLETE), the last reported value (PRUNED), else null
 * @param intermediate  reported values by step
 * @param attrs         sampler bookkeeping and user attributes
 * @param reason        why it failed, was pruned or was lost; null otherwise
 * @param worker        the process that ran it
 * @param startMillis   when it was asked
 * @param endMillis     when it finished, or 0
 * @param lastSeenMillis its last report or heartbeat (or its start)
 */
public record FrozenTrial(int number, TrialState state, Map<String, Object> params, Double value,
        NavigableMap<Long, Double> intermediate, Map<String, String> attrs, String reason, WorkerId worker,
        long startMillis, long endMillis, long lastSeenMillis) {
    public FrozenTrial {
        params = Collections.unmodifiableMap(params);
        intermediate = Collections.unmodifiableNavigableMap(intermediate);
        attrs = Collections.unmodifiableMap(attrs);
    }

    /** Wall time in seconds (until now while running). */
    public double seconds() {
        return ((endMillis > 0 ? endMillis : System.currentTimeMillis()) - startMillis) / 1000.0;
    }

    /** The last reported step, or -1. */
    public long lastStep() {
        return intermediate.isEmpty() ? -1 : intermediate.lastKey();
    }
}
