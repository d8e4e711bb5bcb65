package dev.anvil.tune.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An event log in memory (a study that need not survive its process: tests, benchmarks). Events
 * go through the same JSON lines as a journal file, so both behave alike.
 */
public final class MemoryLog implements EventLog {
    private final List<String> lines = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private int read;

    @Override
    public List<Event> poll() {
        lock.lock();
        try {
            return readNew();
        } finally {
            lock.unlock();
        }
    }

    private List<Event> readNew() {
        List<Event> out = new ArrayList<>();
        for (; read < lines.size(); read++) out.add(EventCodec.decode(lines.get(read)));
        return out;
    }

    @Override
    public <T> T locked(Body<T> body) throws java.io.IOException {
        lock.lock();
        try {
            List<Event> fresh = readNew();
            return body.run(new Transaction() {
                @Override
                public List<Event> fresh() {
                    return fresh;
                }

                @Override
                public Event append(Event e) {
                    String line = EventCodec.encode(e);
                    lines.add(line);
                    read++;
                    return EventCodec.decode(line);
                }
            });
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String describe() {
        return "in-memory study";
    }

    @Override
    public void close() {}
}
