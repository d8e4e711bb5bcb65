package dev.anvil.tune;

import dev.anvil.tune.storage.Event;
import dev.anvil.tune.storage.JournalFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a journal without writing to it, as often as asked: the report, and the live lines of a
 * study whose trials run elsewhere (worker processes, other machines).
 */
public final class StudyWatcher implements AutoCloseable {
    private final JournalFile journal;
    private final StudyState state;
    private final List<Boolean> reported = new ArrayList<>();

    private StudyWatcher(JournalFile journal) {
        this.journal = journal;
        this.state = new StudyState(journal.describe());
    }

    /** Opens an existing journal to read. */
    public static StudyWatcher open(Path path) throws IOException {
        StudyWatcher w = new StudyWatcher(JournalFile.openReadOnly(path));
        try {
            w.state.applyAll(w.journal.poll());
            if (w.state.header() == null) throw new dev.anvil.tune.storage.JournalException("journal " + path + " is empty");
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    public String name() {
        return state.header().name();
    }

    public Direction direction() {
        return state.header().direction();
    }

    public dev.anvil.tune.space.SearchSpace space() {
        return state.header().space();
    }

    public Event.StudyCreated header() {
        return state.header();
    }

    /** The trials as of the last {@link #poll}. */
    public List<FrozenTrial> trials() {
        return List.copyOf(state.trials());
    }

    /** A partial last line left by a writer that died mid-write, or null. */
    public String partialTail() {
        return journal.partialTail();
    }

    /** Reads new events; returns the trials that finished since the last call, in number order (each once). */
    public List<FrozenTrial> poll() throws IOException {
        state.applyAll(journal.poll());
        List<FrozenTrial> out = new ArrayList<>();
        List<FrozenTrial> all = state.trials();
        for (int i = 0; i < all.size(); i++) {
            if (reported.size() <= i) reported.add(false);
            if (!reported.get(i) && all.get(i).state().isFinished()) {
                reported.set(i, true);
                out.add(all.get(i));
            }
        }
        return out;
    }

    public Optional<FrozenTrial> best() {
        return Trials.best(state.trials(), direction());
    }

    @Override
    public void close() throws IOException {
        journal.close();
    }
}
