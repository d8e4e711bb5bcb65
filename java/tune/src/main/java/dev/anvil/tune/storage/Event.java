package dev.anvil.tune.storage;

import dev.anvil.tune.Direction;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.WorkerId;
import dev.anvil.tune.space.SearchSpace;
import java.util.Map;

/** One line of a journal. A study's state is the replay of its events, in file order. */
public sealed interface Event {
    /** The first line: what the study is, and free-form facts about it (objective, options) for reports. */
    record StudyCreated(String name, Direction direction, SearchSpace space, long seed, Map<String, String> meta, long time) implements Event {}

    /** A new trial, numbered in the order of these events, with the parameters its sampler chose. */
    record TrialAsked(int trial, Map<String, Object> params, Map<String, String> attrs, WorkerId worker, long time) implements Event {}

    /** An intermediate value (NaN is kept: a diverged curve). */
    record TrialReported(int trial, long step, double value, long time) implements Event {}

    /** The worker running the trial is alive. */
    record Heartbeat(int trial, long time) implements Event {}

    /** A user attribute of a trial (e.g. a test accuracy measured alongside the objective). */
    record TrialAttr(int trial, String key, String value, long time) implements Event {}

    /** The end of a trial; value is null unless COMPLETE or PRUNED. */
    record TrialTold(int trial, TrialState state, Double value, String reason, long time) implements Event {}
}
