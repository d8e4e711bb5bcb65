package dev.anvil.tune.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.TrialState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalFileTest {
    private static Event told(int trial) {
        return new Event.TrialTold(trial, TrialState.COMPLETE, 0.5 + trial, null, 1L);
    }

    @Test
    void appendedEventsComeBackFromTheirLines(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("j.jsonl");
        try (JournalFile a = JournalFile.open(p); JournalFile b = JournalFile.open(p)) {
            Event back = a.locked(tx -> tx.append(new Event.TrialReported(3, 7, Double.NaN, 5L)));
            assertInstanceOf(Event.TrialReported.class, back);
            assertTrue(Double.isNaN(((Event.TrialReported) back).value()), "NaN survives JSON");
            assertEquals(List.of(), a.poll(), "a writer's own events count as polled");
            List<Event> seen = b.poll();
            assertEquals(1, seen.size());
            assertEquals(7, ((Event.TrialReported) seen.get(0)).step());
        }
        assertTrue(Files.readString(p).endsWith("\n"));
    }

    @Test
    void aPartialLastLineIsIgnoredReportedAndCutOffByTheNextWriter(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("j.jsonl");
        try (JournalFile w = JournalFile.open(p)) {
            w.locked(tx -> {
                tx.append(told(0));
                tx.append(told(1));
                return null;
            });
        }
        String partial = EventCodec.encode(told(2)).substring(0, 20);
        Files.writeString(p, partial, StandardOpenOption.APPEND);
        try (JournalFile r = JournalFile.openReadOnly(p)) {
            assertEquals(2, r.poll().size(), "both whole lines are read");
            assertEquals(partial, r.partialTail());
        }
        try (JournalFile w = JournalFile.open(p)) {
            List<Event> fresh = w.locked(tx -> {
                tx.append(told(3));
                return tx.fresh();
            });
            assertEquals(2, fresh.size());
            assertNull(w.partialTail());
        }
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        assertEquals(EventCodec.encode(told(3)), lines.get(2));
    }

    @Test
    void aBadLineInsideTheJournalIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("j.jsonl");
        Files.writeString(p, EventCodec.encode(told(0)) + "\n{\"op\": \"tel\"}\n" + EventCodec.encode(told(1)) + "\n");
        try (JournalFile r = JournalFile.openReadOnly(p)) {
            JournalException e = assertThrows(JournalException.class, r::poll);
            assertTrue(e.getMessage().contains("line 2: unknown op \"tel\""), e.getMessage());
        }
        Files.writeString(p, "not json\n");
        try (JournalFile r = JournalFile.openReadOnly(p)) {
            assertTrue(assertThrows(JournalException.class, r::poll).getMessage().contains("line 1: not JSON"));
        }
    }

    @Test
    void readOnlyJournalsRefuseWritesAndMustExist(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JournalFile.openReadOnly(dir.resolve("none"))).getMessage()
                .contains("does not exist"));
        Path p = dir.resolve("j.jsonl");
        Files.writeString(p, "");
        try (JournalFile r = JournalFile.openReadOnly(p)) {
            assertThrows(IllegalStateException.class, () -> r.locked(tx -> null));
        }
    }

    @Test
    void threadsWithTheirOwnHandlesAppendWholeLinesWithoutLoss(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("j.jsonl");
        int threads = 4, each = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            fs.add(pool.submit(() -> {
                try (JournalFile j = JournalFile.open(p)) {
                    for (int i = 0; i < each; i++) {
                        int n = base + i;
                        j.locked(tx -> tx.append(told(n)));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        try (JournalFile r = JournalFile.openReadOnly(p)) {
            List<Event> all = r.poll();
            assertEquals(threads * each, all.size());
            assertEquals(threads * each, all.stream().mapToInt(e -> ((Event.TrialTold) e).trial()).distinct().count());
            assertNull(r.partialTail());
        }
    }
}
