package dev.anvil.tune.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A journal: one JSON line per event, appended by any number of processes (on this machine, or on
 * several sharing a file system with POSIX locks). An append holds an exclusive lock on the whole
 * file ({@code fcntl}, which the kernel releases when a process dies, even by {@code kill -9}),
 * writes the line with one call and forces it to disk before releasing the lock.
 *
 * <p>A line without its newline can only be the tail of a writer that died mid-write: readers
 * ignore it and report it ({@link #partialTail}); the next writer cuts it off, under the lock,
 * before it appends. Any other line that does not parse is corruption and an error.
 */
public final class JournalFile implements EventLog {
    private static final Logger LOG = LoggerFactory.getLogger(JournalFile.class);
    /** fcntl locks belong to the process: threads of one JVM also take this lock first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path path;
    private final FileChannel channel;
    private final boolean writable;
    private final ReentrantLock jvmLock;
    private long offset;
    private long lineNumber;
    private String partialTail;

    private JournalFile(Path path, boolean writable) throws IOException {
        this.path = path;
        this.writable = writable;
        this.channel = writable
                ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        Path key = path.toRealPath();
        this.jvmLock = JVM_LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
    }

    /** Opens (creating if needed) a journal to read and append. */
    public static JournalFile open(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        return new JournalFile(path, true);
    }

    /** Opens an existing journal only to read it. */
    public static JournalFile openReadOnly(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("journal " + path + " does not exist");
        return new JournalFile(path, false);
    }

    public Path path() {
        return path;
    }

    /** The partial last line seen by the latest read (a writer died mid-write), or null. */
    public synchronized String partialTail() {
        return partialTail;
    }

    @Override
    public synchronized List<Event> poll() throws IOException {
        return readNew();
    }

    private List<Event> readNew() throws IOException {
        long size = channel.size();
        List<Event> out = new ArrayList<>();
        partialTail = null;
        if (size <= offset) return out;
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size - offset));
        while (buf.hasRemaining()) {
            if (channel.read(buf, offset + buf.position()) < 0) break;
        }
        byte[] bytes = buf.array();
        int n = buf.position();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (bytes[i] != '\n') continue;
            lineNumber++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            if (line.isBlank()) continue;
            try {
                out.add(EventCodec.decode(line));
            } catch (IllegalArgumentException e) {
                throw new JournalException("journal " + path + ", line " + lineNumber + ": " + e.getMessage() + ": " + abbreviate(line));
            }
        }
        offset += start;
        if (start < n) partialTail = new String(bytes, start, n - start, StandardCharsets.UTF_8);
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    @Override
    public <T> T locked(Body<T> body) throws IOException {
        if (!writable) throw new IllegalStateException("journal " + path + " is open read-only");
        jvmLock.lock();
        try (FileLock ignored = channel.lock()) {
            synchronized (this) {
                List<Event> fresh = readNew();
                if (partialTail != null) {
                    LOG.warn("journal {}: cut off a partial last line of {} bytes that a writer left when it died: {}", path,
                            partialTail.getBytes(StandardCharsets.UTF_8).length, abbreviate(partialTail));
                    channel.truncate(offset);
                    channel.force(true);
                    partialTail = null;
                }
                return body.run(new Transaction() {
                    @Override
                    public List<Event> fresh() {
                        return fresh;
                    }

                    @Override
                    public Event append(Event e) throws IOException {
                        String text = EventCodec.encode(e);
                        ByteBuffer line = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
                        while (line.hasRemaining()) offset += channel.write(line, offset);
                        channel.force(false);
                        lineNumber++;
                        return EventCodec.decode(text);
                    }
                });
            }
        } finally {
            jvmLock.unlock();
        }
    }

    @Override
    public String describe() {
        return "journal " + path;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
