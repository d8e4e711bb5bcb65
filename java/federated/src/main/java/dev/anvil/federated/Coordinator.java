package dev.anvil.federated;

import dev.anvil.federated.secure.Masking;
import dev.anvil.federated.strategy.WeightedMeanStrategy;
import dev.anvil.optim.LrSchedule;
import dev.anvil.train.Evaluation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs federated rounds over the clients registered with it: it samples clients, sends them the
 * global weights, waits until every sampled client has answered or the round's deadline, checks
 * each update (round, length, finite values, the announced sample count) and rejects bad ones
 * naming the client, aggregates the rest with its {@link Strategy} when at least the quorum
 * ({@code minClients}) is left, and evaluates the new global model. Updates arriving after their
 * round closed are dropped and counted. It never sees the clients' data, and with secure
 * aggregation only the masked sum of their updates.
 *
 * <p>Clients may register and unregister at any time (join late, drop out, come back under the same
 * id); a round uses the clients registered when it starts.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    private final WeightLayout layout;
    private float[] global;
    private final Strategy strategy;
    private final FitConfig fitConfig;
    private final LrSchedule lrSchedule;
    private final int clientsPerRound;
    private final int minClients;
    private final Duration roundTimeout;
    private final SplittableRandom rng;
    private final Evaluator evaluator;
    private final Consumer<RoundResult> listener;
    private final boolean secure;
    private final int secureNeighbours;
    private final ClientLevelDp dp;
    private double dpRate, dpExpected; // this round's sampling rate and expected clients, fixed when it samples
    private final Map<String, ClientProxy> clients = new ConcurrentHashMap<>();
    private final AtomicInteger lateUpdates = new AtomicInteger();
    private final List<RoundResult> history = new ArrayList<>();
    private int round;

    private Coordinator(Builder b) {
        this.layout = b.initial.layout();
        this.global = b.initial.values().clone();
        this.strategy = b.strategy;
        this.fitConfig = b.fitConfig;
        this.lrSchedule = b.lrSchedule;
        this.clientsPerRound = b.clientsPerRound;
        this.minClients = b.minClients;
        this.roundTimeout = b.roundTimeout;
        this.rng = new SplittableRandom(b.seed);
        this.evaluator = b.evaluator;
        this.listener = b.listener;
        this.secure = b.secureAggregation;
        this.secureNeighbours = b.secureNeighbours;
        this.dp = b.dp;
        if (dp != null && secure) {
            throw new IllegalArgumentException("client-level DP clips each update at the coordinator, which secure aggregation hides; use one of them");
        }
        if (dp != null && !(strategy instanceof WeightedMeanStrategy)) {
            throw new IllegalArgumentException("client-level DP needs a strategy that uses only the mean of the updates "
                    + "(fedavg, fedprox, fedadam, fedyogi), not " + strategy.name());
        }
        if (secure && !(strategy instanceof WeightedMeanStrategy)) {
            throw new IllegalArgumentException("secure aggregation needs a strategy that uses only the weighted mean of the updates "
                    + "(fedavg, fedprox, fedadam, fedyogi), not " + strategy.name());
        }
    }

    /** A coordinator starting from {@code initial} weights, with FedAvg and {@link FitConfig#defaults()} unless set. */
    public static Builder builder(ModelWeights initial) {
        return new Builder(initial);
    }

    /**
     * Adds a client, or replaces the one of the same id (a client that reconnects).
     *
     * @throws IllegalArgumentException if its announced sample count is not positive
     */
    public void register(ClientProxy client) {
        Objects.requireNonNull(client, "client");
        if (client.numSamples() <= 0) throw new IllegalArgumentException("client " + client.id() + ": sample count must be positive, got " + client.numSamples());
        ClientProxy old = clients.put(client.id(), client);
        LOG.info("client {} {} ({} samples); {} registered", client.id(), old == null ? "joined" : "rejoined", client.numSamples(), clients.size());
    }

    /** Removes a client (it went away); a no-op if {@code client} is not the one registered under its id. */
    public void unregister(ClientProxy client) {
        if (clients.remove(client.id(), client)) LOG.info("client {} left; {} registered", client.id(), clients.size());
    }

    /** The ids of the registered clients, sorted. */
    public List<String> clientIds() {
        List<String> ids = new ArrayList<>(clients.keySet());
        Collections.sort(ids);
        return ids;
    }

    /** The current global weights (a copy). */
    public ModelWeights globalWeights() {
        return new ModelWeights(layout, global.clone());
    }

    public WeightLayout layout() {
        return layout;
    }

    /** Rounds run so far. */
    public int round() {
        return round;
    }

    /** The results of the rounds run so far. */
    public List<RoundResult> history() {
        return List.copyOf(history);
    }

    /** Updates that arrived after their round had closed, dropped, over all rounds. */
    public int lateUpdates() {
        return lateUpdates.get();
    }

    /** The client-level epsilon spent so far (NaN without {@link Builder#clientLevelDp}). */
    public double epsilon() {
        return dp == null ? Double.NaN : dp.epsilon();
    }

    /** Runs {@code rounds} rounds and returns their results. */
    public List<RoundResult> run(int rounds) {
        if (rounds <= 0) throw new IllegalArgumentException("rounds must be positive, got " + rounds);
        List<RoundResult> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) out.add(runRound());
        return out;
    }

    /** Runs one round. */
    public RoundResult runRound() {
        round++;
        long start = System.nanoTime();
        List<ClientProxy> sampled = sample();
        List<String> ids = sampled.stream().map(ClientProxy::id).toList();
        RoundResult result;
        if (sampled.size() < minClients) {
            LOG.warn("round {}: {} clients available, quorum is {}; skipped", round, sampled.size(), minClients);
            result = new RoundResult(round, ids, List.of(), Map.of(), Map.of(), 0, false, Double.NaN, null, seconds(start), epsilon());
        } else if (secure) {
            result = secureRound(sampled, ids, start);
        } else {
            result = plainRound(sampled, ids, start);
        }
        history.add(result);
        LOG.info(result.summary());
        listener.accept(result);
        return result;
    }

    /** The fit configuration of round {@code r}: the learning rate of step r - 1 of the schedule, if any. */
    FitConfig roundConfig(int r) {
        return lrSchedule == null ? fitConfig : fitConfig.withLr(lrSchedule.lr(fitConfig.lr(), r - 1));
    }

    private RoundResult plainRound(List<ClientProxy> sampled, List<String> ids, long start) {
        int r = round;
        FitConfig config = strategy.configure(r, roundConfig(r));
        float[] sent = global.clone();
        Map<ClientProxy, CompletableFuture<ClientUpdate>> futures = new LinkedHashMap<>();
        for (ClientProxy c : sampled) futures.put(c, call(() -> c.fit(r, sent, config)));
        long deadline = start + roundTimeout.toNanos();
        awaitAll(futures.values(), deadline);
        Map<String, String> rejected = new LinkedHashMap<>(), failed = new LinkedHashMap<>();
        List<ClientUpdate> accepted = new ArrayList<>();
        int late = 0;
        for (Map.Entry<ClientProxy, CompletableFuture<ClientUpdate>> e : futures.entrySet()) {
            ClientProxy c = e.getKey();
            CompletableFuture<ClientUpdate> f = e.getValue();
            if (!f.isDone()) {
                late++;
                dropWhenLate(c, f, r);
                continue;
            }
            ClientUpdate u;
            try {
                u = f.join();
            } catch (RuntimeException ex) {
                failed.put(c.id(), reason(ex));
                LOG.warn("round {}: client {} failed: {}", r, c.id(), reason(ex));
                continue;
            }
            String problem = check(c, u);
            if (problem != null) {
                rejected.put(c.id(), problem);
                LOG.warn("round {}: update of client {} rejected: {}", r, c.id(), problem);
            } else {
                accepted.add(u);
            }
        }
        List<String> acceptedIds = accepted.stream().map(ClientUpdate::clientId).toList();
        if (accepted.size() < minClients) {
            LOG.warn("round {}: {} valid updates, quorum is {}; global model unchanged", r, accepted.size(), minClients);
            return new RoundResult(r, ids, acceptedIds, rejected, failed, late, false, Double.NaN, null, seconds(start), epsilon());
        }
        global = dp == null ? strategy.aggregate(r, global, accepted)
                : ((WeightedMeanStrategy) strategy).fromMean(r, global, dp.noisyMean(global, accepted, dpExpected, dpRate));
        double loss = meanLoss(accepted.stream().mapToLong(ClientUpdate::numSamples).toArray(), accepted.stream().mapToDouble(ClientUpdate::trainLoss).toArray());
        return new RoundResult(r, ids, acceptedIds, rejected, failed, late, true, loss, evaluate(), seconds(start), epsilon());
    }

    private RoundResult secureRound(List<ClientProxy> sampled, List<String> ids, long start) {
        int r = round;
        FitConfig config = strategy.configure(r, roundConfig(r));
        long deadline = start + roundTimeout.toNanos();
        Map<String, String> rejected = new LinkedHashMap<>(), failed = new LinkedHashMap<>();
        // step 1: fresh public keys
        Map<ClientProxy, CompletableFuture<byte[]>> keyFutures = new LinkedHashMap<>();
        for (ClientProxy c : sampled) keyFutures.put(c, call(() -> c.publicKey(r)));
        awaitAll(keyFutures.values(), deadline);
        Map<String, byte[]> keys = new LinkedHashMap<>();
        List<ClientProxy> keyed = new ArrayList<>();
        int late = 0;
        for (Map.Entry<ClientProxy, CompletableFuture<byte[]>> e : keyFutures.entrySet()) {
            CompletableFuture<byte[]> f = e.getValue();
            if (!f.isDone()) {
                late++;
                f.cancel(false);
                continue;
            }
            try {
                keys.put(e.getKey().id(), f.join());
                keyed.add(e.getKey());
            } catch (RuntimeException ex) {
                failed.put(e.getKey().id(), reason(ex));
            }
        }
        if (keyed.size() < minClients) {
            LOG.warn("round {}: {} clients sent keys, quorum is {}; global model unchanged", r, keyed.size(), minClients);
            return new RoundResult(r, ids, List.of(), rejected, failed, late, false, Double.NaN, null, seconds(start), epsilon());
        }
        // step 2: masked training results, each client masking with its neighbours
        float[] sent = global.clone();
        Map<String, Set<String>> neighbours = Masking.neighbours(new ArrayList<>(keys.keySet()), secureNeighbours, rng);
        Map<ClientProxy, CompletableFuture<MaskedUpdate>> futures = new LinkedHashMap<>();
        for (ClientProxy c : keyed) {
            Map<String, byte[]> peers = new LinkedHashMap<>();
            peers.put(c.id(), keys.get(c.id()));
            for (String n : neighbours.get(c.id())) peers.put(n, keys.get(n));
            futures.put(c, call(() -> c.fitMasked(r, sent, config, Map.copyOf(peers))));
        }
        awaitAll(futures.values(), deadline);
        List<MaskedUpdate> accepted = new ArrayList<>();
        List<ClientProxy> survivors = new ArrayList<>();
        Set<String> dropped = new LinkedHashSet<>();
        for (Map.Entry<ClientProxy, CompletableFuture<MaskedUpdate>> e : futures.entrySet()) {
            ClientProxy c = e.getKey();
            CompletableFuture<MaskedUpdate> f = e.getValue();
            if (!f.isDone()) {
                late++;
                dropWhenLate(c, f, r);
                dropped.add(c.id());
                continue;
            }
            MaskedUpdate u;
            try {
                u = f.join();
            } catch (RuntimeException ex) {
                failed.put(c.id(), reason(ex));
                dropped.add(c.id());
                continue;
            }
            String problem = checkMasked(c, u);
            if (problem != null) {
                rejected.put(c.id(), problem);
                LOG.warn("round {}: masked update of client {} rejected: {}", r, c.id(), problem);
                dropped.add(c.id());
            } else {
                accepted.add(u);
                survivors.add(c);
            }
        }
        List<String> acceptedIds = accepted.stream().map(MaskedUpdate::clientId).toList();
        if (accepted.size() < minClients) {
            LOG.warn("round {}: {} valid masked updates, quorum is {}; global model unchanged", r, accepted.size(), minClients);
            return new RoundResult(r, ids, acceptedIds, rejected, failed, late, false, Double.NaN, null, seconds(start), epsilon());
        }
        long[] sum = new long[layout.numel()];
        for (MaskedUpdate u : accepted) Masking.addInto(sum, u.masked());
        // step 3: the survivors reveal the seeds they share with the dropped, whose masks are then removed
        if (!dropped.isEmpty()) {
            Set<String> gone = Set.copyOf(dropped);
            Map<ClientProxy, CompletableFuture<Map<String, byte[]>>> reveals = new LinkedHashMap<>();
            Map<String, Set<String>> asked = new LinkedHashMap<>();
            for (ClientProxy c : survivors) {
                Set<String> mine = new LinkedHashSet<>(neighbours.get(c.id()));
                mine.retainAll(gone);
                if (mine.isEmpty()) continue;
                asked.put(c.id(), Set.copyOf(mine));
                reveals.put(c, call(() -> c.revealSeeds(r, Set.copyOf(mine))));
            }
            awaitAll(reveals.values(), System.nanoTime() + roundTimeout.toNanos());
            for (Map.Entry<ClientProxy, CompletableFuture<Map<String, byte[]>>> e : reveals.entrySet()) {
                String id = e.getKey().id();
                Map<String, byte[]> seeds;
                try {
                    seeds = e.getValue().isDone() ? e.getValue().join() : null;
                } catch (RuntimeException ex) {
                    seeds = null;
                }
                if (seeds == null || !seeds.keySet().equals(asked.get(id))) {
                    failed.put(id, "did not reveal its seeds with the dropped clients " + asked.get(id));
                    LOG.warn("round {}: client {} did not reveal its mask seeds; the masked sum cannot be opened, round discarded", r, id);
                    return new RoundResult(r, ids, List.of(), rejected, failed, late, false, Double.NaN, null, seconds(start), epsilon());
                }
                for (Map.Entry<String, byte[]> s : seeds.entrySet()) Masking.removePairMask(sum, id, s.getKey(), s.getValue());
            }
            LOG.info("round {}: masks of {} dropped client(s) {} removed with the help of {} survivors", r, gone.size(), gone, asked.size());
        }
        long total = accepted.stream().mapToLong(MaskedUpdate::numSamples).sum();
        float[] mean = Masking.decodeMean(sum, total);
        global = ((WeightedMeanStrategy) strategy).fromMean(r, global, mean);
        double loss = meanLoss(accepted.stream().mapToLong(MaskedUpdate::numSamples).toArray(), accepted.stream().mapToDouble(MaskedUpdate::trainLoss).toArray());
        return new RoundResult(r, ids, acceptedIds, rejected, failed, late, true, loss, evaluate(), seconds(start), epsilon());
    }

    /** The clients asked for per round out of {@code registered}: clientsPerRound, or all. */
    private int perRound(int registered) {
        return clientsPerRound <= 0 ? registered : Math.min(clientsPerRound, registered);
    }

    private List<ClientProxy> sample() {
        List<String> ids = clientIds();
        if (dp != null) return poissonSample(ids);
        int k = perRound(ids.size());
        // partial Fisher-Yates: the first k of a seeded shuffle
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(ids.size() - i);
            Collections.swap(ids, i, j);
        }
        List<String> chosen = new ArrayList<>(ids.subList(0, k));
        Collections.sort(chosen);
        return proxies(chosen);
    }

    /** Under client-level DP: each registered client independently with probability q (what the accountant assumes). */
    private List<ClientProxy> poissonSample(List<String> ids) {
        dpExpected = perRound(ids.size());
        dpRate = ids.isEmpty() ? 1 : dpExpected / ids.size();
        List<String> chosen = new ArrayList<>();
        for (String id : ids) {
            if (dpRate >= 1 || rng.nextDouble() < dpRate) chosen.add(id);
        }
        return proxies(chosen);
    }

    private List<ClientProxy> proxies(List<String> chosen) {
        List<ClientProxy> out = new ArrayList<>();
        for (String id : chosen) {
            ClientProxy c = clients.get(id);
            if (c != null) out.add(c);
        }
        return out;
    }

    private String check(ClientProxy c, ClientUpdate u) {
        if (u == null) return "no update";
        String problem = checkHeader(c, u.clientId(), u.round(), u.weights().length, u.numSamples());
        if (problem != null) return problem;
        float[] w = u.weights();
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) return "value " + i + " is " + w[i];
        }
        return null;
    }

    /** Masked values cannot be checked for NaN or range: each client checks its own before masking. */
    private String checkMasked(ClientProxy c, MaskedUpdate u) {
        return u == null ? "no update" : checkHeader(c, u.clientId(), u.round(), u.masked().length, u.numSamples());
    }

    private String checkHeader(ClientProxy c, String clientId, int updateRound, int length, long numSamples) {
        if (!c.id().equals(clientId)) return "update names client " + clientId;
        if (updateRound != round) return "update is for round " + updateRound + " (replayed or stale), this is round " + round;
        if (length != layout.numel()) return "update has " + length + " values, the model has " + layout.numel();
        if (numSamples != c.numSamples()) return "claims " + numSamples + " samples but announced " + c.numSamples();
        return null;
    }

    private void dropWhenLate(ClientProxy c, CompletableFuture<?> f, int r) {
        f.whenComplete((v, ex) -> {
            if (ex == null) {
                lateUpdates.incrementAndGet();
                LOG.info("late update of client {} for round {} dropped", c.id(), r);
            }
        });
    }

    private Evaluation evaluate() {
        return evaluator == null ? null : evaluator.evaluate(new ModelWeights(layout, global.clone()));
    }

    private static double meanLoss(long[] n, double[] loss) {
        double s = 0, t = 0;
        for (int i = 0; i < n.length; i++) {
            s += n[i] * loss[i];
            t += n[i];
        }
        return s / t;
    }

    private static <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> s) {
        try {
            CompletableFuture<T> f = s.get();
            return f == null ? CompletableFuture.failedFuture(new IllegalStateException("client returned no future")) : f;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void awaitAll(java.util.Collection<? extends CompletableFuture<?>> futures, long deadlineNanos) {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
        try {
            all.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // individual futures are inspected by the caller
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the clients", e);
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
        clients.clear();
    }

    /** Options of a {@link Coordinator}. */
    public static final class Builder {
        private final ModelWeights initial;
        private Strategy strategy = new dev.anvil.federated.strategy.FedAvg();
        private FitConfig fitConfig = FitConfig.defaults();
        private LrSchedule lrSchedule;
        private int clientsPerRound;
        private int minClients = 1;
        private Duration roundTimeout = Duration.ofMinutes(10);
        private long seed;
        private Evaluator evaluator;
        private Consumer<RoundResult> listener = r -> {};
        private boolean secureAggregation;
        private int secureNeighbours;
        private ClientLevelDp dp;

        private Builder(ModelWeights initial) {
            this.initial = Objects.requireNonNull(initial, "initial");
        }

        public Builder strategy(Strategy s) {
            strategy = Objects.requireNonNull(s, "strategy");
            return this;
        }

        /** The clients' local training options (the strategy may adjust them per round). */
        public Builder fitConfig(FitConfig c) {
            fitConfig = Objects.requireNonNull(c, "fitConfig");
            return this;
        }

        /**
         * Schedules the clients' learning rate over the rounds, as Flower's per-round fit
         * configuration does: round r trains with {@code schedule.lr(fitConfig.lr(), r - 1)}, for
         * example {@code LrSchedule.cosine(rounds)} (default: the fit configuration's rate every round).
         */
        public Builder lrSchedule(LrSchedule schedule) {
            lrSchedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /** Clients sampled per round; 0 (the default) takes every registered client. */
        public Builder clientsPerRound(int n) {
            if (n < 0) throw new IllegalArgumentException("clientsPerRound must be >= 0, got " + n);
            clientsPerRound = n;
            return this;
        }

        /** The quorum: a round aggregates only with at least this many valid updates (default 1). */
        public Builder minClients(int n) {
            if (n < 1) throw new IllegalArgumentException("minClients must be >= 1, got " + n);
            minClients = n;
            return this;
        }

        /** How long a round waits for the sampled clients before it closes (default 10 minutes). */
        public Builder roundTimeout(Duration d) {
            Objects.requireNonNull(d, "roundTimeout");
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("roundTimeout must be positive, got " + d);
            roundTimeout = d;
            return this;
        }

        /** Seed of the client sampling. */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Evaluates the global model after each aggregated round. */
        public Builder evaluator(Evaluator e) {
            evaluator = Objects.requireNonNull(e, "evaluator");
            return this;
        }

        /** Called with each round's result. */
        public Builder listener(Consumer<RoundResult> l) {
            listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** Pairwise-masked secure aggregation (see {@link dev.anvil.federated.secure.Masking}). */
        public Builder secureAggregation(boolean on) {
            secureAggregation = on;
            return this;
        }

        /**
         * Under secure aggregation, each client masks with {@code k} neighbours in a random circulant
         * graph drawn each round (SecAgg+, Bell et al. 2020) instead of with every other client
         * (0, the default): masking costs O(k) instead of O(clients) per client.
         */
        public Builder secureNeighbours(int k) {
            if (k < 0 || k == 1) throw new IllegalArgumentException("secure neighbours must be 0 (all) or at least 2, got " + k);
            secureNeighbours = k;
            return this;
        }

        /**
         * Client-level differential privacy (see {@link ClientLevelDp}): clients are then sampled
         * independently with probability clientsPerRound / registered, and the strategy (a
         * weighted-mean one) receives the clipped, noisy mean of the updates. Not with secure
         * aggregation: the coordinator must see each update to clip it. Null (the default): none.
         */
        public Builder clientLevelDp(ClientLevelDp d) {
            dp = d;
            return this;
        }

        public Coordinator build() {
            if (clientsPerRound > 0 && clientsPerRound < minClients) {
                throw new IllegalArgumentException("clientsPerRound " + clientsPerRound + " is below the quorum minClients " + minClients);
            }
            return new Coordinator(this);
        }
    }
}
