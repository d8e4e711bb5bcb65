package dev.anvil.tune;

import dev.anvil.tune.pruner.Pruner;
import dev.anvil.tune.sampler.Sampler;
import dev.anvil.tune.sampler.SamplingContext;
import dev.anvil.tune.sampler.Suggestion;
import dev.anvil.tune.sampler.TpeSampler;
import dev.anvil.tune.space.SearchSpace;
import dev.anvil.tune.storage.Event;
import dev.anvil.tune.storage.EventLog;
import dev.anvil.tune.storage.JournalException;
import dev.anvil.tune.storage.JournalFile;
import dev.anvil.tune.storage.MemoryLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hyperparameter search: a search space, a sampler, a pruner and an event log (a journal file,
 * or memory) that holds every trial. Use it through {@link #optimize} or ask and tell:
 *
 * <pre>{@code
 * try (Study study = Study.builder(space).journal(Path.of("study.jsonl")).direction(Direction.MAXIMIZE)
 *         .sampler(new TpeSampler()).pruner(new MedianPruner()).loadIfExists(true).open()) {
 *     study.optimize(trial -> train(trial.getDouble("lr")), 50);
 *     // or: Trial t = study.ask(); ...; study.tell(t, value);
 * }
 * }</pre>
 *
 * Any number of threads and processes (also on other machines sharing the file) may work on one
 * journal. A trial whose worker died is marked LOST by the next worker that asks (at once for a
 * dead process on the same host, else after {@code staleAfter} without heartbeat) and its
 * parameters are tried again once; nothing already told is sampled again.
 */
public final class Study implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Study.class);
    /** The attribute naming the lost trial that a trial retries. */
    public static final String RETRY_OF = "retry_of";
    /** Part of the reason of a trial failed by the trial timeout. */
    public static final String TIMEOUT_REASON = "(trial timeout)";

    private final EventLog log;
    private final StudyState state;
    private final Sampler sampler;
    private final Pruner pruner;
    private final Duration heartbeat;
    private final Duration staleAfter;
    private final Duration trialTimeout;
    private final List<Consumer<FrozenTrial>> listeners;
    /** This instance's running trials, with the time of their last report (or ask): what the trial timeout measures. */
    private final Map<Integer, Long> owned = new java.util.HashMap<>();
    private long lastHeartbeat;
    private final Map<Integer, Thread> runningThreads = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private volatile boolean stopRequested;
    private volatile boolean warnedNoReports;

    private Study(Builder b, EventLog log, StudyState state) {
        this.log = log;
        this.state = state;
        this.sampler = b.sampler;
        this.pruner = b.pruner;
        this.heartbeat = b.heartbeat;
        this.staleAfter = b.staleAfter;
        this.trialTimeout = b.trialTimeout;
        this.listeners = List.copyOf(b.listeners);
        boolean beats = log instanceof JournalFile && !heartbeat.isZero();
        if (beats || !trialTimeout.isZero()) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "anvil-tune-heartbeat");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(50, Math.min(beats ? heartbeat.toMillis() : Long.MAX_VALUE,
                    trialTimeout.isZero() ? Long.MAX_VALUE : Math.max(50, trialTimeout.toMillis() / 4)));
            timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** A study over {@code space}; {@code space} may be null to open an existing journal with the space it holds. */
    public static Builder builder(SearchSpace space) {
        return new Builder(space);
    }

    public synchronized String name() {
        return state.header().name();
    }

    public synchronized Direction direction() {
        return state.header().direction();
    }

    public synchronized SearchSpace space() {
        return state.header().space();
    }

    public synchronized long seed() {
        return state.header().seed();
    }

    /** The facts recorded when the study was created. */
    public synchronized Map<String, String> meta() {
        return state.header().meta();
    }

    public Sampler sampler() {
        return sampler;
    }

    public Pruner pruner() {
        return pruner;
    }

    /** Every trial, as the log holds them now (other workers' included). */
    public synchronized List<FrozenTrial> trials() {
        sync();
        return List.copyOf(state.trials());
    }

    /** The complete trial with the best value, if any. */
    public synchronized Optional<FrozenTrial> bestTrial() {
        sync();
        return Trials.best(state.trials(), direction());
    }

    /** Trials that count towards a budget: every one not LOST. */
    public synchronized int countedTrials() {
        sync();
        return counted();
    }

    private int counted() {
        int n = 0;
        for (FrozenTrial t : state.trials()) if (t.state() != TrialState.LOST) n++;
        return n;
    }

    private void sync() {
        try {
            state.applyAll(log.poll());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a new trial, whatever the study holds already. */
    public Trial ask() throws IOException {
        return askWithin(Integer.MAX_VALUE);
    }

    /**
     * Starts a new trial unless the study already counts {@code budget} trials (running, complete,
     * pruned or failed; lost ones do not count), in which case it returns null.
     */
    public synchronized Trial askWithin(int budget) throws IOException {
        if (budget <= 0) throw new IllegalArgumentException("budget must be positive, got " + budget);
        Trial trial = log.locked(tx -> {
            state.applyAll(tx.fresh());
            markLost(tx);
            if (counted() >= budget) return null;
            int number = state.trials().size();
            Suggestion s = retryOfLost();
            if (s == null) {
                s = sampler.sample(new SamplingContext(space(), List.copyOf(state.trials()), direction(), number, seed()));
                if (s == null) return null; // the sampler has nothing left (an exhausted grid)
            }
            Map<String, Object> params = space().validate(s.params());
            Map<String, String> attrs = new LinkedHashMap<>(s.attrs());
            attrs.putIfAbsent("sampler", sampler.name());
            state.apply(tx.append(new Event.TrialAsked(number, params, attrs, WorkerId.current(), System.currentTimeMillis())));
            owned.put(number, System.currentTimeMillis());
            return new Trial(this, number, state.trial(number).params());
        });
        if (trial != null) LOG.debug("asked {}", trial);
        return trial;
    }

    /** Parameters of the oldest LOST trial not retried yet (a retry is not retried again). */
    private Suggestion retryOfLost() {
        Set<String> retried = new HashSet<>();
        for (FrozenTrial t : state.trials()) if (t.attrs().containsKey(RETRY_OF)) retried.add(t.attrs().get(RETRY_OF));
        for (FrozenTrial t : state.trials()) {
            if (t.state() == TrialState.LOST && !t.attrs().containsKey(RETRY_OF) && !retried.contains(Integer.toString(t.number()))) {
                Map<String, String> attrs = new LinkedHashMap<>(t.attrs());
                attrs.put(RETRY_OF, Integer.toString(t.number()));
                return new Suggestion(t.params(), attrs);
            }
        }
        return null;
    }

    /** Marks LOST the running trials of other processes that are dead, or silent for longer than staleAfter. */
    private void markLost(EventLog.Transaction tx) throws IOException {
        long now = System.currentTimeMillis();
        WorkerId me = WorkerId.current();
        for (FrozenTrial t : List.copyOf(state.trials())) {
            if (t.state() != TrialState.RUNNING || t.worker().equals(me)) continue;
            String reason = null;
            if (t.worker().isDeadOnThisHost()) {
                reason = "worker " + t.worker() + " died";
            } else if (!staleAfter.isZero() && now - t.lastSeenMillis() > staleAfter.toMillis()) {
                reason = "no heartbeat from worker " + t.worker() + " for " + (now - t.lastSeenMillis()) / 1000 + " s";
            }
            if (reason != null) {
                LOG.warn("trial {} lost: {}", t.number(), reason);
                state.apply(tx.append(new Event.TrialTold(t.number(), TrialState.LOST, null, reason, now)));
            }
        }
    }

    /** Marks LOST the trials of dead or silent workers now (workers also do it whenever they ask). */
    public synchronized void reapLost() throws IOException {
        log.locked(tx -> {
            state.applyAll(tx.fresh());
            markLost(tx);
            return null;
        });
    }

    /** Ends a trial with its value; NaN or infinity make it FAILED. */
    public FrozenTrial tell(Trial trial, double value) throws IOException {
        Objects.requireNonNull(trial, "trial");
        if (!Double.isFinite(value)) return finish(trial.number(), TrialState.FAILED, null, "objective returned " + value);
        return finish(trial.number(), TrialState.COMPLETE, value, null);
    }

    /** Ends a trial as PRUNED; its value is its last report. */
    public FrozenTrial tellPruned(Trial trial, String reason) throws IOException {
        Objects.requireNonNull(trial, "trial");
        return finish(trial.number(), TrialState.PRUNED, null, reason);
    }

    /** Ends a trial as FAILED, saying why. */
    public FrozenTrial tellFailed(Trial trial, String reason) throws IOException {
        Objects.requireNonNull(trial, "trial");
        return finish(trial.number(), TrialState.FAILED, null, Objects.requireNonNull(reason, "reason"));
    }

    private FrozenTrial finish(int number, TrialState end, Double value, String reason) throws IOException {
        FrozenTrial done;
        synchronized (this) {
            done = log.locked(tx -> {
                state.applyAll(tx.fresh());
                FrozenTrial t = existing(number);
                if (t.state() != TrialState.RUNNING && t.state() != TrialState.LOST) {
                    throw new IllegalStateException("trial " + number + " is already " + t.state() + (t.reason() == null ? "" : " (" + t.reason() + ")"));
                }
                Double v = value;
                if (end == TrialState.PRUNED && !t.intermediate().isEmpty()) v = t.intermediate().lastEntry().getValue();
                if (v != null && !Double.isFinite(v)) v = null;
                state.apply(tx.append(new Event.TrialTold(number, end, v, reason, System.currentTimeMillis())));
                return state.trial(number);
            });
            owned.remove(number);
        }
        for (Consumer<FrozenTrial> l : listeners) l.accept(done);
        return done;
    }

    private FrozenTrial existing(int number) {
        if (number < 0 || number >= state.trials().size()) throw new IllegalArgumentException("no trial " + number + " in this study");
        return state.trial(number);
    }

    synchronized void report(int number, long step, double value) throws IOException {
        log.locked(tx -> {
            state.applyAll(tx.fresh());
            FrozenTrial t = existing(number);
            if (t.state() != TrialState.RUNNING) throw new IllegalStateException("trial " + number + " is " + t.state() + ": it cannot report");
            state.apply(tx.append(new Event.TrialReported(number, step, value, System.currentTimeMillis())));
            owned.computeIfPresent(number, (k, v) -> System.currentTimeMillis());
            return null;
        });
    }

    synchronized boolean shouldPrune(int number) throws IOException {
        sync();
        FrozenTrial t = existing(number);
        return t.state() == TrialState.RUNNING && !t.intermediate().isEmpty() && pruner.shouldPrune(t, state.trials(), direction());
    }

    synchronized void setAttr(int number, String key, String value) throws IOException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        log.locked(tx -> {
            state.applyAll(tx.fresh());
            existing(number);
            state.apply(tx.append(new Event.TrialAttr(number, key, value, System.currentTimeMillis())));
            return null;
        });
    }

    /** Heartbeats for this study's running trials, and the trial timeout. */
    private void tick() {
        try {
            List<Integer> timedOut = new ArrayList<>();
            synchronized (this) {
                if (owned.isEmpty()) return;
                long now = System.currentTimeMillis();
                for (Map.Entry<Integer, Long> e : owned.entrySet()) {
                    if (!trialTimeout.isZero() && now - e.getValue() > trialTimeout.toMillis()) timedOut.add(e.getKey());
                }
                if (log instanceof JournalFile && !heartbeat.isZero() && now - lastHeartbeat >= heartbeat.toMillis()) {
                    lastHeartbeat = now;
                    log.locked(tx -> {
                        state.applyAll(tx.fresh());
                        for (int n : owned.keySet()) state.apply(tx.append(new Event.Heartbeat(n, now)));
                        return null;
                    });
                }
            }
            for (int n : timedOut) {
                try {
                    finish(n, TrialState.FAILED, null, String.format(java.util.Locale.ROOT,
                            "no report for %.1f s " + TIMEOUT_REASON + ": the objective never reports or hangs", trialTimeout.toMillis() / 1000.0));
                } catch (IllegalStateException told) {
                    continue; // it ended meanwhile
                }
                Thread th = runningThreads.get(n);
                if (th != null) th.interrupt();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("heartbeat failed: {}", e.toString());
        }
    }

    /** Runs trials in this thread until the study counts {@code nTrials} (see {@link #askWithin}). */
    public void optimize(Objective objective, int nTrials) throws IOException {
        optimize(objective, nTrials, 1);
    }

    /**
     * Runs trials on {@code threads} threads until the study counts {@code nTrials} trials (those of
     * earlier runs and of other workers included) or {@link #stop} is called. The threads share
     * this JVM's native thread pool: for CPU-heavy objectives prefer worker processes.
     */
    public void optimize(Objective objective, int nTrials, int threads) throws IOException {
        Objects.requireNonNull(objective, "objective");
        if (nTrials <= 0) throw new IllegalArgumentException("nTrials must be positive, got " + nTrials);
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
        if (threads == 1) {
            loop(objective, nTrials);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "anvil-tune-trial"));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    loop(objective, nTrials);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    stopRequested = true;
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IllegalStateException("a trial thread failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopRequested = true;
                    throw new IOException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void loop(Objective objective, int nTrials) throws IOException {
        while (!stopRequested && !Thread.currentThread().isInterrupted()) {
            Trial t = askWithin(nTrials);
            if (t == null) return;
            run(objective, t);
        }
    }

    /** Runs one asked trial and tells its end: complete, pruned, or failed with the reason. */
    public FrozenTrial run(Objective objective, Trial t) throws IOException {
        runningThreads.put(t.number(), Thread.currentThread());
        try {
            double v;
            try {
                v = objective.evaluate(t);
            } catch (TrialPruned p) {
                return finish(t.number(), TrialState.PRUNED, null, p.getMessage());
            } catch (Exception | StackOverflowError | OutOfMemoryError | AssertionError e) {
                LOG.debug("trial {} failed", t.number(), e);
                return finish(t.number(), TrialState.FAILED, null, describe(e));
            }
            FrozenTrial done = tell(t, v);
            if (pruner != Pruner.NONE && done.intermediate().isEmpty() && !warnedNoReports) {
                warnedNoReports = true;
                LOG.warn("trial {} completed without any report: the {} pruner can only stop trials whose objective calls trial.report(step, value)",
                        t.number(), pruner.name());
            }
            return done;
        } catch (IllegalStateException e) {
            LOG.warn("trial {} returned after it had ended: {}", t.number(), e.getMessage());
            return existing(t.number());
        } finally {
            runningThreads.remove(t.number());
            Thread.interrupted(); // an interrupt meant for this trial (timeout) must not stop the next
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Makes {@link #optimize} return after the trials that are running now. */
    public void stop() {
        stopRequested = true;
    }

    /** Stops heartbeats, fails this study's trials still running, and closes the log. */
    @Override
    public void close() throws IOException {
        if (timer != null) timer.shutdownNow();
        List<Integer> left;
        synchronized (this) {
            left = new ArrayList<>(owned.keySet());
        }
        for (int n : left) {
            try {
                finish(n, TrialState.FAILED, null, "the study was closed while the trial ran");
            } catch (IllegalStateException ignored) {
                // told meanwhile
            }
        }
        log.close();
    }

    /** Options; {@link #open} creates the study or, with {@link #loadIfExists}, continues it. */
    public static final class Builder {
        private final SearchSpace space;
        private Path journal;
        private EventLog log;
        private String name;
        private Direction direction;
        private Sampler sampler;
        private Pruner pruner = Pruner.NONE;
        private Long seed;
        private boolean loadIfExists;
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration staleAfter = Duration.ofSeconds(60);
        private Duration trialTimeout = Duration.ZERO;
        private final List<Consumer<FrozenTrial>> listeners = new ArrayList<>();
        private final Map<String, String> meta = new LinkedHashMap<>();

        private Builder(SearchSpace space) {
            this.space = space;
        }

        /** Keep the study in this journal file (default: in memory, gone with the process). */
        public Builder journal(Path path) {
            this.journal = Objects.requireNonNull(path, "journal");
            return this;
        }

        /** Keep the study in this log. */
        public Builder log(EventLog log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** Study name (default "study"); a journal holds one study and refuses another name. */
        public Builder name(String name) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("study name must not be blank");
            this.name = name;
            return this;
        }

        /** Default: MINIMIZE, as in Optuna. */
        public Builder direction(Direction d) {
            this.direction = Objects.requireNonNull(d, "direction");
            return this;
        }

        /** Default: TPE. */
        public Builder sampler(Sampler s) {
            this.sampler = Objects.requireNonNull(s, "sampler");
            return this;
        }

        /** Default: none. */
        public Builder pruner(Pruner p) {
            this.pruner = Objects.requireNonNull(p, "pruner");
            return this;
        }

        /** Seed of every sampler decision (default: random, recorded in the journal so a resumed study keeps it). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Continue the study the journal holds instead of refusing it. */
        public Builder loadIfExists(boolean v) {
            this.loadIfExists = v;
            return this;
        }

        /** How often running trials write a heartbeat (default 10 s; zero: never). */
        public Builder heartbeat(Duration d) {
            this.heartbeat = nonNegative(d, "heartbeat");
            return this;
        }

        /** A running trial of another host without heartbeat for this long is LOST (default 60 s; zero: never). */
        public Builder staleAfter(Duration d) {
            this.staleAfter = nonNegative(d, "staleAfter");
            return this;
        }

        /** A trial of this study without report or end for this long is FAILED and its thread interrupted (default: zero, no limit). */
        public Builder trialTimeout(Duration d) {
            this.trialTimeout = nonNegative(d, "trialTimeout");
            return this;
        }

        /** A fact recorded in a new study's header for reports (e.g. the objective and its options); ignored when resuming. */
        public Builder meta(String key, String value) {
            meta.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Called after each trial this study instance ends. */
        public Builder onTrialFinished(Consumer<FrozenTrial> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        private static Duration nonNegative(Duration d, String what) {
            if (d == null || d.isNegative()) throw new IllegalArgumentException(what + " must be >= 0, got " + d);
            return d;
        }

        public Study open() throws IOException {
            if (journal != null && log != null) throw new IllegalStateException("give a journal file or a log, not both");
            EventLog l = log != null ? log : journal != null ? JournalFile.open(journal) : new MemoryLog();
            if (sampler == null) sampler = new TpeSampler();
            StudyState st = new StudyState(l.describe());
            try {
                l.locked(tx -> {
                    st.applyAll(tx.fresh());
                    if (st.header() == null) {
                        if (space == null) throw new JournalException(l.describe() + " holds no study, and no search space was given to create one");
                        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
                        st.apply(tx.append(new Event.StudyCreated(name == null ? "study" : name, direction == null ? Direction.MINIMIZE : direction,
                                space, s, meta, System.currentTimeMillis())));
                    } else {
                        check(st, l.describe());
                    }
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                l.close();
                throw e;
            }
            return new Study(this, l, st);
        }

        private void check(StudyState st, String where) {
            Event.StudyCreated h = st.header();
            if (name != null && !name.equals(h.name())) {
                throw new JournalException(where + " holds study '" + h.name() + "', not '" + name + "'");
            }
            if (space != null && !space.equals(h.space())) {
                throw new JournalException(where + " holds study '" + h.name() + "' over a different search space:\n  journal: " + h.space()
                        + "\n  given:   " + space);
            }
            if (direction != null && direction != h.direction()) {
                throw new JournalException(where + " holds study '" + h.name() + "' that " + h.direction().name().toLowerCase() + "s, not "
                        + direction.name().toLowerCase() + "s");
            }
            if (!loadIfExists) {
                throw new JournalException(where + " already holds study '" + h.name() + "' with " + st.trials().size()
                        + " trials: resume it (loadIfExists, --resume) or choose another journal");
            }
            if (seed != null && seed != h.seed()) LOG.warn("{}: resuming with the study's seed {}, not {}", where, h.seed(), seed);
        }
    }
}
