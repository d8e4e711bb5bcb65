package dev.anvil.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.pruner.MedianPruner;
import dev.anvil.tune.sampler.RandomSampler;
import dev.anvil.tune.sampler.TpeSampler;
import dev.anvil.tune.space.SearchSpace;
import dev.anvil.tune.storage.JournalException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyTest {
    static final SearchSpace SPACE = SearchSpace.builder().floatRange("x", -5, 5).categorical("c", "a", "b").build();

    static double quadratic(Trial t) {
        return Math.pow(t.getDouble("x") - 1, 2) + (t.getString("c").equals("a") ? 0 : 1);
    }

    @Test
    void askTellAndBestTrial() throws Exception {
        try (Study s = Study.builder(SPACE).sampler(new RandomSampler()).seed(3).open()) {
            Trial t = s.ask();
            assertEquals(0, t.number());
            FrozenTrial done = s.tell(t, 2.5);
            assertEquals(TrialState.COMPLETE, done.state());
            Trial u = s.ask();
            s.tell(u, 1.5);
            assertEquals(1, s.bestTrial().orElseThrow().number());
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> s.tell(u, 0.5));
            assertTrue(again.getMessage().contains("trial 1 is already COMPLETE"));
        }
    }

    @Test
    void failuresAreRecordedWithTheirReasonAndTheStudyGoesOn() throws Exception {
        try (Study s = Study.builder(SPACE).sampler(new RandomSampler()).seed(1).open()) {
            s.optimize(t -> switch (t.number()) {
                case 0 -> throw new IllegalStateException("out of cheese");
                case 1 -> Double.NaN;
                case 2 -> {
                    t.report(1, Double.NaN);
                    throw new StackOverflowError();
                }
                default -> quadratic(t);
            }, 5);
            List<FrozenTrial> ts = s.trials();
            assertEquals(5, ts.size());
            assertEquals("IllegalStateException: out of cheese", ts.get(0).reason());
            assertEquals("objective returned NaN", ts.get(1).reason());
            assertEquals("StackOverflowError", ts.get(2).reason());
            assertEquals(TrialState.FAILED, ts.get(2).state());
            assertEquals(TrialState.COMPLETE, ts.get(4).state());
        }
    }

    @Test
    void prunedTrialsStopWithinOneReportAndKeepTheirLastValue() throws Exception {
        try (Study s = Study.builder(SPACE).sampler(new RandomSampler()).pruner(new MedianPruner(50, 1, 0, 1, 1)).seed(2).open()) {
            List<Integer> reportsMade = new ArrayList<>();
            s.optimize(t -> {
                double level = t.number() == 0 ? 0 : 10 + t.number(); // trial 0 is the best curve: the others are pruned at step 0
                for (int step = 0; step < 5; step++) {
                    t.report(step, level);
                    reportsMade.add(t.number());
                    if (t.shouldPrune()) throw new TrialPruned("pruned at " + step);
                }
                return level;
            }, 4);
            List<FrozenTrial> ts = s.trials();
            assertEquals(TrialState.COMPLETE, ts.get(0).state());
            for (int i = 1; i < 4; i++) {
                assertEquals(TrialState.PRUNED, ts.get(i).state());
                assertEquals(0, ts.get(i).lastStep(), "pruned at its first report");
                assertEquals(10.0 + i, ts.get(i).value());
            }
            assertEquals(5 + 3, reportsMade.size());
        }
    }

    @Test
    void reportsMustIncreaseAndParametersMustExist() throws Exception {
        try (Study s = Study.builder(SPACE).sampler(new RandomSampler()).seed(4).open()) {
            Trial t = s.ask();
            t.report(2, 1.0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.report(2, 1.0)).getMessage().contains("step 2 after step 2"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.report(-1, 1.0)).getMessage().contains(">= 0"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.getDouble("y")).getMessage().contains("no parameter 'y' (not in the search space)"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.getDouble("c")).getMessage().contains("is not a number"));
            assertThrows(IllegalArgumentException.class, () -> s.optimize(x -> 0, 0));
            assertThrows(IllegalArgumentException.class, () -> s.optimize(x -> 0, 1, 0));
            assertThrows(NullPointerException.class, () -> s.optimize(null, 1));
            assertThrows(IllegalArgumentException.class, () -> s.askWithin(0));
        }
    }

    @Test
    void anObjectiveThatNeverReportsFailsAfterTheTrialTimeout() throws Exception {
        try (Study s = Study.builder(SPACE).sampler(new RandomSampler()).trialTimeout(Duration.ofMillis(300)).seed(5).open()) {
            long start = System.nanoTime();
            s.optimize(t -> {
                if (t.number() == 0) Thread.sleep(60_000); // interrupted by the timeout
                return quadratic(t);
            }, 2);
            assertTrue((System.nanoTime() - start) / 1e9 < 30);
            FrozenTrial hung = s.trials().get(0);
            assertEquals(TrialState.FAILED, hung.state());
            assertTrue(hung.reason().contains("no report for 0.3 s (trial timeout)"), hung.reason());
            assertEquals(TrialState.COMPLETE, s.trials().get(1).state());
        }
        assertThrows(IllegalArgumentException.class, () -> Study.builder(SPACE).trialTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void journalsOfAnotherStudyOrSpaceAreRefused(@TempDir Path dir) throws Exception {
        Path j = dir.resolve("study.jsonl");
        try (Study s = Study.builder(SPACE).journal(j).name("one").seed(1).open()) {
            s.optimize(StudyTest::quadratic, 3);
        }
        assertTrue(assertThrows(JournalException.class, () -> Study.builder(SPACE).journal(j).name("one").open()).getMessage()
                .contains("already holds study 'one' with 3 trials: resume it"));
        assertTrue(assertThrows(JournalException.class, () -> Study.builder(SPACE).journal(j).name("two").loadIfExists(true).open()).getMessage()
                .contains("holds study 'one', not 'two'"));
        SearchSpace other = SearchSpace.builder().floatRange("x", -5, 6).categorical("c", "a", "b").build();
        JournalException diff = assertThrows(JournalException.class, () -> Study.builder(other).journal(j).loadIfExists(true).open());
        assertTrue(diff.getMessage().contains("over a different search space"), diff.getMessage());
        assertTrue(assertThrows(JournalException.class,
                () -> Study.builder(SPACE).journal(j).direction(Direction.MAXIMIZE).loadIfExists(true).open()).getMessage().contains("minimizes, not maximizes"));
        Path empty = dir.resolve("empty.jsonl");
        assertTrue(assertThrows(JournalException.class, () -> Study.builder(null).journal(empty).open()).getMessage().contains("no search space was given"));
        Path notJournal = dir.resolve("x.jsonl");
        Files.writeString(notJournal, "{\"op\": \"tell\", \"trial\": 0, \"state\": \"complete\"}\n");
        assertTrue(assertThrows(JournalException.class, () -> Study.builder(SPACE).journal(notJournal).open()).getMessage()
                .contains("does not start with a study line"));
    }

    @Test
    void aResumedStudyKeepsItsTrialsAndMakesTheSameChoices(@TempDir Path dir) throws Exception {
        Path j = dir.resolve("study.jsonl");
        List<Map<String, Object>> straight = new ArrayList<>();
        try (Study s = Study.builder(SPACE).sampler(new TpeSampler()).seed(11).open()) {
            s.optimize(StudyTest::quadratic, 20);
            for (FrozenTrial t : s.trials()) straight.add(t.params());
        }
        try (Study s = Study.builder(SPACE).journal(j).sampler(new TpeSampler()).seed(11).open()) {
            s.optimize(StudyTest::quadratic, 12);
        }
        try (Study s = Study.builder(SPACE).journal(j).sampler(new TpeSampler()).loadIfExists(true).open()) {
            assertEquals(11, s.seed());
            s.optimize(StudyTest::quadratic, 20);
            List<FrozenTrial> ts = s.trials();
            assertEquals(20, ts.size());
            for (int i = 0; i < 20; i++) assertEquals(straight.get(i), ts.get(i).params(), "trial " + i);
        }
    }

    @Test
    void lostTrialsAreRetriedOnceAndDoNotCountTowardsTheBudget(@TempDir Path dir) throws Exception {
        Path j = dir.resolve("study.jsonl");
        try (Study s = Study.builder(SPACE).journal(j).sampler(new RandomSampler()).seed(1).staleAfter(Duration.ofMillis(200)).heartbeat(Duration.ZERO).open()) {
            s.tell(s.ask(), 1.0);
        }
        // A trial asked by a process on another host that went silent: appended as that host would.
        try (dev.anvil.tune.storage.JournalFile f = dev.anvil.tune.storage.JournalFile.open(j)) {
            f.locked(tx -> tx.append(new dev.anvil.tune.storage.Event.TrialAsked(1, Map.of("x", 0.5, "c", "b"), Map.of(),
                    new WorkerId("elsewhere", 12345, 1), System.currentTimeMillis() - 10_000)));
        }
        try (Study s = Study.builder(SPACE).journal(j).sampler(new RandomSampler()).loadIfExists(true).staleAfter(Duration.ofMillis(200)).open()) {
            s.optimize(StudyTest::quadratic, 3);
            List<FrozenTrial> ts = s.trials();
            assertEquals(TrialState.LOST, ts.get(1).state());
            assertTrue(ts.get(1).reason().startsWith("no heartbeat from worker elsewhere:12345"), ts.get(1).reason());
            assertEquals("1", ts.get(2).attrs().get(Study.RETRY_OF));
            assertEquals(ts.get(1).params(), ts.get(2).params());
            assertEquals(4, ts.size(), "3 counted trials + 1 lost");
            assertNull(ts.get(3).attrs().get(Study.RETRY_OF));
            assertNotNull(s.bestTrial().orElse(null));
        }
    }

    @Test
    void parallelThreadsShareTheBudgetExactly(@TempDir Path dir) throws Exception {
        try (Study s = Study.builder(SPACE).journal(dir.resolve("j.jsonl")).sampler(TpeSampler.builder().constantLiar(true).build()).seed(9).open()) {
            s.optimize(t -> {
                Thread.sleep(5);
                return quadratic(t);
            }, 40, 4);
            List<FrozenTrial> ts = s.trials();
            assertEquals(40, ts.size());
            assertTrue(ts.stream().allMatch(t -> t.state() == TrialState.COMPLETE));
            assertTrue(s.bestTrial().orElseThrow().value() < 1.0);
        }
    }
}
