package dev.anvil.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.storage.Event;
import dev.anvil.tune.storage.JournalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real worker processes on one journal: concurrency, and kill -9 of workers and of the whole study. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerProcessesTest {
    private static WorkerSpec spec(Path journal, int trials, long sleepMs) {
        return new WorkerSpec(journal, trials, "tpe", true, "none", 0, 1, 3, SlowBowl.class.getName(), Map.of("sleep-ms", Long.toString(sleepMs)),
                Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    private static void create(Path journal) throws IOException {
        try (Study s = Study.builder(StudyTest.SPACE).journal(journal).seed(21).open()) {
            assertEquals(0, s.trials().size());
        }
    }

    private static Process worker(WorkerSpec spec) throws IOException {
        List<String> cmd = new ProcessWorkers(spec, 1, 1, List.of()).command();
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static List<Event> events(Path journal) throws IOException {
        try (JournalFile f = JournalFile.openReadOnly(journal)) {
            return f.poll();
        }
    }

    @Test
    void threeWorkerProcessesShareOneJournalAndItsBudgetExactly(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("study.jsonl");
        create(journal);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) ps.add(worker(spec(journal, 30, 0)));
        for (Process p : ps) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "worker finished");
            assertEquals(0, p.exitValue());
        }
        try (StudyWatcher w = StudyWatcher.open(journal)) {
            List<FrozenTrial> ts = w.trials();
            assertEquals(30, ts.size());
            assertTrue(ts.stream().allMatch(t -> t.state() == TrialState.COMPLETE));
            Set<Long> pids = new HashSet<>();
            for (FrozenTrial t : ts) pids.add(t.worker().pid());
            assertTrue(pids.size() >= 2, "trials came from several processes: " + pids);
            assertEquals(null, w.partialTail());
        }
        long tells = events(journal).stream().filter(e -> e instanceof Event.TrialTold).count();
        assertEquals(30, tells, "each trial told once");
    }

    @Test
    void killNineOfTheStudyLosesOnlyRunningTrialsAndResumingResamplesNothing(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("study.jsonl");
        create(journal);
        // The study's coordinator: a JVM running ProcessWorkers with two workers, killed with SIGKILL mid-run.
        List<String> cmd = new ArrayList<>(new ProcessWorkers(spec(journal, 24, 400), 1, 1, List.of()).command());
        int main = cmd.indexOf(WorkerMain.class.getName());
        cmd.set(main, CoordinatorMain.class.getName());
        cmd.remove("--exit-with-parent");
        Process coordinator = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("coordinator.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completed(journal) < 6) {
            assertTrue(System.nanoTime() < deadline, "trials complete before the kill");
            assertTrue(coordinator.isAlive(), "coordinator alive: " + Files.readString(dir.resolve("coordinator.log")));
            Thread.sleep(100);
        }
        List<ProcessHandle> workers = coordinator.descendants().toList();
        coordinator.destroyForcibly(); // SIGKILL
        coordinator.waitFor();
        for (ProcessHandle w : workers) w.onExit().get(30, TimeUnit.SECONDS); // they see their parent die and halt
        List<FrozenTrial> before;
        try (StudyWatcher w = StudyWatcher.open(journal)) {
            before = w.trials();
        }
        long running = before.stream().filter(t -> t.state() == TrialState.RUNNING).count();
        assertTrue(running >= 1 && running <= 2, "the trials that were running: " + running);

        // Resume in this process: the dead workers' trials are lost and retried, nothing told is asked again.
        try (Study s = spec(journal, 24, 0).openStudy()) {
            s.optimize(new SlowBowl(Map.of("sleep-ms", "0")), 24);
            List<FrozenTrial> after = s.trials();
            for (FrozenTrial t : before) {
                FrozenTrial now = after.get(t.number());
                assertEquals(t.params(), now.params());
                if (t.state() == TrialState.COMPLETE) assertEquals(t.value(), now.value());
                if (t.state() == TrialState.RUNNING) {
                    assertEquals(TrialState.LOST, now.state());
                    assertTrue(now.reason().contains("died"), now.reason());
                }
            }
            assertEquals(24, after.stream().filter(t -> t.state() == TrialState.COMPLETE).count());
            assertEquals(24 + running, after.size());
            long retries = after.stream().filter(t -> t.attrs().containsKey(Study.RETRY_OF)).count();
            assertEquals(running, retries);
        }
    }

    @Test
    void aWorkerKilledMidTrialIsReplacedAndItsTrialRetried(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("study.jsonl");
        create(journal);
        WorkerSpec spec = spec(journal, 10, 300);
        ProcessWorkers pool = new ProcessWorkers(spec, 2, 1, List.of());
        boolean[] killed = {false};
        try (Study s = spec.openStudy()) {
            pool.run(s, () -> {
                if (killed[0]) return;
                List<FrozenTrial> ts = s.trials();
                if (ts.stream().filter(t -> t.state() == TrialState.COMPLETE).count() >= 2) {
                    ts.stream().filter(t -> t.state() == TrialState.RUNNING).findFirst()
                            .flatMap(t -> ProcessHandle.of(t.worker().pid())).ifPresent(ProcessHandle::destroyForcibly);
                    killed[0] = true;
                }
            });
            List<FrozenTrial> ts = s.trials();
            assertTrue(killed[0]);
            assertEquals(10, ts.stream().filter(t -> t.state() == TrialState.COMPLETE).count());
            assertEquals(1, ts.stream().filter(t -> t.state() == TrialState.LOST).count());
        }
    }

    @Test
    void aHangingTrialFailsAtItsTimeoutAndItsWorkerIsReplaced(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("study.jsonl");
        create(journal);
        WorkerSpec spec = new WorkerSpec(journal, 3, "random", false, "none", 0, 1, 3, HangingObjective.class.getName(), Map.of(), Duration.ofMillis(1500),
                Duration.ofSeconds(1), Duration.ofSeconds(60));
        try (Study s = spec.openStudy()) {
            new ProcessWorkers(spec, 1, 1, List.of()).run(s, () -> {});
            List<FrozenTrial> ts = s.trials();
            assertEquals(3, ts.size());
            assertEquals(TrialState.FAILED, ts.get(0).state());
            assertTrue(ts.get(0).reason().contains("(trial timeout): the objective never reports or hangs"), ts.get(0).reason());
            assertEquals(TrialState.COMPLETE, ts.get(1).state());
            assertTrue(ts.get(1).worker().pid() != ts.get(0).worker().pid(), "a new worker ran the next trials");
        }
    }

    private static long completed(Path journal) throws IOException {
        if (!Files.exists(journal)) return 0;
        return events(journal).stream().filter(e -> e instanceof Event.TrialTold t && t.state() == TrialState.COMPLETE).count();
    }
}
