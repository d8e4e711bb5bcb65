package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CMA-ES over the unconditional numerical parameters (mapped to [0, 1], log ones on the log scale;
 * int and stepped ones rounded), as Optuna's CmaEsSampler: categorical and conditional parameters
 * are drawn at random. Each trial records its generation; generation g is told to the strategy
 * once {@code lambda} of its trials are complete (the first lambda by number), and trials asked
 * before that belong to it too. The state is rebuilt from the journal by replaying generations, so
 * a resumed study continues the same search; it starts at the centre of the box with sigma 1/6.
 */
public final class CmaEsSampler implements Sampler {
    static final String GENERATION = "cma:generation";
    private final Integer populationSize;
    private final RandomSampler random = new RandomSampler();
    private CmaEs cached;
    private List<List<Integer>> cachedGenerations = new ArrayList<>();
    private Object cachedKey;

    public CmaEsSampler() {
        this.populationSize = null;
    }

    /** With a population (lambda) other than 4 + floor(3 ln n). */
    public CmaEsSampler(int populationSize) {
        if (populationSize < 2) throw new IllegalArgumentException("populationSize must be >= 2, got " + populationSize);
        this.populationSize = populationSize;
    }

    static List<Param> numerical(SearchSpace space) {
        List<Param> out = new ArrayList<>();
        for (Param p : space.unconditional()) if (!(p.distribution() instanceof CategoricalDistribution)) out.add(p);
        return out;
    }

    @Override
    public Suggestion sample(SamplingContext ctx) {
        List<Param> dims = numerical(ctx.space());
        if (dims.isEmpty()) return random.sample(ctx);
        CmaEs es = replay(ctx, dims);
        double[] x = es.sample(ctx.rng(3));
        Map<String, Object> fixed = new LinkedHashMap<>();
        for (int i = 0; i < dims.size(); i++) fixed.put(dims.get(i).name(), dims.get(i).distribution().fromUnit(x[i]));
        java.util.SplittableRandom rng = ctx.rng(4);
        Map<String, Object> params = ctx.space().assign(p -> fixed.containsKey(p.name()) ? fixed.get(p.name())
                : p.distribution().fromUnit(rng.nextDouble()));
        return new Suggestion(params, Map.of(GENERATION, Integer.toString(es.generation())));
    }

    /** The strategy after every generation that has lambda complete trials, reusing the cached prefix when the journal agrees. */
    private CmaEs replay(SamplingContext ctx, List<Param> dims) {
        Object key = List.of(ctx.space(), ctx.seed(), ctx.direction());
        if (!key.equals(cachedKey) || !prefixHolds(ctx)) {
            cached = populationSize == null ? new CmaEs(dims.size(), 1.0 / 6) : new CmaEs(dims.size(), 1.0 / 6, populationSize);
            cachedGenerations = new ArrayList<>();
            cachedKey = key;
        }
        while (true) {
            List<FrozenTrial> gen = new ArrayList<>();
            for (FrozenTrial t : ctx.complete()) {
                if (Integer.toString(cached.generation()).equals(t.attrs().get(GENERATION))) gen.add(t);
            }
            if (gen.size() < cached.lambda) return cached;
            gen = gen.subList(0, cached.lambda);
            List<FrozenTrial> sorted = new ArrayList<>(gen);
            sorted.sort(Comparator.comparingDouble(ctx::loss).thenComparingInt(FrozenTrial::number));
            List<double[]> xs = new ArrayList<>();
            for (FrozenTrial t : sorted) {
                double[] x = new double[dims.size()];
                for (int i = 0; i < x.length; i++) x[i] = dims.get(i).distribution().toUnit(t.params().get(dims.get(i).name()));
                xs.add(x);
            }
            List<Integer> numbers = new ArrayList<>();
            for (FrozenTrial t : gen) numbers.add(t.number());
            cached.tell(xs);
            cachedGenerations.add(numbers);
        }
    }

    /** Whether the generations told to the cached strategy are still those the journal gives. */
    private boolean prefixHolds(SamplingContext ctx) {
        for (int g = 0; g < cachedGenerations.size(); g++) {
            List<Integer> expected = cachedGenerations.get(g);
            List<Integer> actual = new ArrayList<>();
            for (FrozenTrial t : ctx.complete()) {
                if (Integer.toString(g).equals(t.attrs().get(GENERATION))) actual.add(t.number());
                if (actual.size() == expected.size()) break;
            }
            if (!actual.equals(expected)) return false;
        }
        return true;
    }

    @Override
    public String name() {
        return "cmaes";
    }
}
