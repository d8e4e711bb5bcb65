package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A steady-state genetic algorithm, which suits asynchronous workers: the first
 * {@code populationSize} trials are random; after that each new trial is a child of two parents
 * picked by binary tournament from the elite, the best {@code populationSize} complete trials so
 * far (so the best individuals always survive: elitism as in (mu + lambda) selection, e.g. NSGA-II,
 * Deb et al. 2002). Crossover (probability {@code crossoverProb}) is BLX-0.5 on numerical genes in
 * [0, 1] (Eshelman and Schaffer 1993) and uniform on categorical ones; each gene then mutates with
 * probability {@code mutationProb} (default 1 / number of parameters): a Gaussian step of 0.1 in
 * [0, 1] for numerical genes, a random choice for categorical ones. A child equal to an earlier
 * trial is mutated again (up to 10 times). Inactive genes come from the other parent, or at random.
 */
public final class GeneticSampler implements Sampler {
    private final int populationSize;
    private final double crossoverProb;
    private final Double mutationProb;
    private final RandomSampler random = new RandomSampler();

    public GeneticSampler() {
        this(16, 0.9, null);
    }

    /**
     * @param populationSize the elite size, and the number of random trials first
     * @param crossoverProb  probability that a child mixes both parents (else it copies the first)
     * @param mutationProb   per-gene mutation probability, or null for 1 / number of parameters
     */
    public GeneticSampler(int populationSize, double crossoverProb, Double mutationProb) {
        if (populationSize < 2) throw new IllegalArgumentException("populationSize must be >= 2, got " + populationSize);
        if (!(crossoverProb >= 0 && crossoverProb <= 1)) throw new IllegalArgumentException("crossoverProb must be in [0, 1], got " + crossoverProb);
        if (mutationProb != null && !(mutationProb >= 0 && mutationProb <= 1)) {
            throw new IllegalArgumentException("mutationProb must be in [0, 1], got " + mutationProb);
        }
        this.populationSize = populationSize;
        this.crossoverProb = crossoverProb;
        this.mutationProb = mutationProb;
    }

    @Override
    public Suggestion sample(SamplingContext ctx) {
        String generation = Integer.toString(ctx.trialNumber() / populationSize);
        List<FrozenTrial> complete = ctx.complete();
        if (ctx.trialNumber() < populationSize || complete.size() < 2) {
            return new Suggestion(random.sample(ctx).params(), Map.of("ga:generation", generation));
        }
        List<FrozenTrial> elite = new ArrayList<>(complete);
        elite.sort(Comparator.comparingDouble(ctx::loss).thenComparingInt(FrozenTrial::number));
        elite = elite.subList(0, Math.min(populationSize, elite.size()));
        SplittableRandom rng = ctx.rng(5);
        FrozenTrial a = tournament(elite, rng, ctx), b = tournament(elite, rng, ctx);
        SearchSpace space = ctx.space();
        double pm = mutationProb != null ? mutationProb : 1.0 / space.params().size();
        Set<Map<String, Object>> seen = new HashSet<>();
        for (FrozenTrial t : ctx.trials()) seen.add(t.params());
        boolean cross = rng.nextDouble() < crossoverProb;
        Map<String, Object> child = space.assign(p -> gene(p, a.params(), cross ? b.params() : a.params(), rng));
        for (int attempt = 0; attempt < 10 && seen.contains(child); attempt++) {
            Map<String, Object> base = child;
            child = space.assign(p -> mutate(p, base.get(p.name()), 1.0, rng));
        }
        Map<String, Object> parent = child;
        Map<String, Object> mutated = space.assign(p -> mutate(p, parent.get(p.name()), pm, rng));
        return new Suggestion(mutated, Map.of("ga:generation", generation, "ga:parents", a.number() + "," + b.number()));
    }

    private static FrozenTrial tournament(List<FrozenTrial> elite, SplittableRandom rng, SamplingContext ctx) {
        FrozenTrial x = elite.get(rng.nextInt(elite.size())), y = elite.get(rng.nextInt(elite.size()));
        return ctx.loss(x) <= ctx.loss(y) ? x : y;
    }

    /** Crossover of one gene: BLX-0.5 for numbers, either parent's choice for categories. */
    private static Object gene(Param p, Map<String, Object> a, Map<String, Object> b, SplittableRandom rng) {
        Object va = a.get(p.name()), vb = b.get(p.name());
        if (va == null && vb == null) return p.distribution().fromUnit(rng.nextDouble());
        if (va == null || vb == null) return va != null ? va : vb;
        if (p.distribution() instanceof CategoricalDistribution) return rng.nextBoolean() ? va : vb;
        double ua = p.distribution().toUnit(va), ub = p.distribution().toUnit(vb);
        double lo = Math.min(ua, ub), hi = Math.max(ua, ub), span = hi - lo;
        return p.distribution().fromUnit(lo - 0.5 * span + rng.nextDouble() * 2 * span);
    }

    private static Object mutate(Param p, Object v, double prob, SplittableRandom rng) {
        if (v == null) return p.distribution().fromUnit(rng.nextDouble());
        if (rng.nextDouble() >= prob) return v;
        if (p.distribution() instanceof CategoricalDistribution) return p.distribution().fromUnit(rng.nextDouble());
        return p.distribution().fromUnit(p.distribution().toUnit(v) + 0.1 * CmaEs.gaussian(rng));
    }

    @Override
    public String name() {
        return "ga";
    }
}
