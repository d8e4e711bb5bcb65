package dev.anvil.tune;

import dev.anvil.tune.storage.Event;
import dev.anvil.tune.storage.JournalException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A study as the replay of its events: the header and every trial's latest record. */
final class StudyState {
    private static final Logger LOG = LoggerFactory.getLogger(StudyState.class);

    private final String source;
    private Event.StudyCreated header;
    private final List<FrozenTrial> trials = new ArrayList<>();

    StudyState(String source) {
        this.source = source;
    }

    Event.StudyCreated header() {
        return header;
    }

    List<FrozenTrial> trials() {
        return Collections.unmodifiableList(trials);
    }

    FrozenTrial trial(int number) {
        return trials.get(number);
    }

    void applyAll(List<Event> events) {
        for (Event e : events) apply(e);
    }

    void apply(Event e) {
        if (header == null && !(e instanceof Event.StudyCreated)) {
            throw new JournalException(source + " does not start with a study line: it is not a journal of anvil tune");
        }
        if (e instanceof Event.StudyCreated s) {
            if (header != null) throw new JournalException(source + " holds a second study line (study '" + s.name() + "')");
            header = s;
        } else if (e instanceof Event.TrialAsked a) {
            if (a.trial() != trials.size()) {
                throw new JournalException(source + ": trial " + a.trial() + " asked where trial " + trials.size() + " was expected");
            }
            trials.add(new FrozenTrial(a.trial(), TrialState.RUNNING, a.params(), null, new TreeMap<>(), a.attrs(), null, a.worker(),
                    a.time(), 0, a.time()));
        } else if (e instanceof Event.TrialReported r) {
            FrozenTrial t = existing(r.trial());
            TreeMap<Long, Double> inter = new TreeMap<>(t.intermediate());
            inter.put(r.step(), r.value());
            replace(t, t.state(), t.value(), inter, t.attrs(), t.reason(), t.endMillis(), Math.max(t.lastSeenMillis(), r.time()));
        } else if (e instanceof Event.Heartbeat h) {
            FrozenTrial t = existing(h.trial());
            replace(t, t.state(), t.value(), t.intermediate(), t.attrs(), t.reason(), t.endMillis(), Math.max(t.lastSeenMillis(), h.time()));
        } else if (e instanceof Event.TrialAttr a) {
            FrozenTrial t = existing(a.trial());
            Map<String, String> attrs = new LinkedHashMap<>(t.attrs());
            attrs.put(a.key(), a.value());
            replace(t, t.state(), t.value(), t.intermediate(), attrs, t.reason(), t.endMillis(), t.lastSeenMillis());
        } else {
            Event.TrialTold told = (Event.TrialTold) e;
            FrozenTrial t = existing(told.trial());
            // A trial declared lost whose worker tells after all was not lost; any other second tell is stale.
            if (t.state() != TrialState.RUNNING && t.state() != TrialState.LOST || told.state() == TrialState.LOST && t.state() != TrialState.RUNNING) {
                LOG.debug("{}: ignored {} of trial {}, already {}", source, told.state(), told.trial(), t.state());
                return;
            }
            replace(t, told.state(), told.value(), t.intermediate(), t.attrs(), told.reason(), told.time(), t.lastSeenMillis());
        }
    }

    private FrozenTrial existing(int number) {
        if (number >= trials.size()) throw new JournalException(source + ": event for trial " + number + ", which was never asked");
        return trials.get(number);
    }

    private void replace(FrozenTrial t, TrialState state, Double value, java.util.NavigableMap<Long, Double> inter, Map<String, String> attrs,
            String reason, long end, long seen) {
        trials.set(t.number(), new FrozenTrial(t.number(), state, t.params(), value, inter, attrs, reason, t.worker(), t.startMillis(), end, seen));
    }
}
