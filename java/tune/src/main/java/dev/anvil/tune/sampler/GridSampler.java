package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Distribution;
import dev.anvil.tune.space.FloatDistribution;
import dev.anvil.tune.space.IntDistribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Every combination of values once, in an order shuffled by the study's seed (as Optuna's
 * GridSampler). Categorical and int parameters contribute all their values, stepped floats their
 * grid; a continuous float gets {@code pointsPerFloat} evenly spaced values (on the log scale for
 * log parameters). Combinations that differ only in inactive parameters are one point. When every
 * point has been asked, the sampler returns null and the study ends.
 */
public final class GridSampler implements Sampler {
    /** Refuses grids larger than this: they would not be searched through. */
    public static final int MAX_POINTS = 100_000;
    private final int pointsPerFloat;
    private List<Map<String, Object>> grid;
    private SearchSpace gridSpace;
    private long gridSeed;

    public GridSampler() {
        this(5);
    }

    public GridSampler(int pointsPerFloat) {
        if (pointsPerFloat < 2) throw new IllegalArgumentException("pointsPerFloat must be >= 2, got " + pointsPerFloat);
        this.pointsPerFloat = pointsPerFloat;
    }

    /** The values of one parameter on the grid. */
    List<Object> values(Param p) {
        Distribution d = p.distribution();
        List<Object> out = new ArrayList<>();
        if (d instanceof CategoricalDistribution c) {
            out.addAll(c.choices());
        } else if (d instanceof IntDistribution i) {
            if (i.size() > MAX_POINTS) throw new IllegalArgumentException("grid: int parameter '" + p.name() + "' has " + i.size() + " values");
            for (long v = i.low(); v <= i.high(); v += i.step()) out.add(v);
        } else {
            FloatDistribution f = (FloatDistribution) d;
            if (f.step() > 0) {
                long n = Math.round((f.high() - f.low()) / f.step()) + 1;
                if (n > MAX_POINTS) throw new IllegalArgumentException("grid: float parameter '" + p.name() + "' has " + n + " steps");
                for (long k = 0; k < n; k++) out.add(f.fromUnit((double) k / (n - 1)));
            } else {
                for (int k = 0; k < pointsPerFloat; k++) out.add(f.fromUnit((double) k / (pointsPerFloat - 1)));
            }
        }
        return out;
    }

    /** All points, deduplicated over inactive parameters, in declaration order of the combinations. */
    List<Map<String, Object>> points(SearchSpace space) {
        List<Map<String, Object>> partial = new ArrayList<>();
        partial.add(new LinkedHashMap<>());
        for (Param p : space.params()) {
            List<Object> values = values(p);
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> m : partial) {
                if (!space.isActive(p, m)) {
                    next.add(m);
                    continue;
                }
                for (Object v : values) {
                    Map<String, Object> e = new LinkedHashMap<>(m);
                    e.put(p.name(), v);
                    next.add(e);
                }
            }
            if (next.size() > MAX_POINTS) throw new IllegalArgumentException("grid: more than " + MAX_POINTS + " points; narrow the space");
            partial = next;
        }
        return new ArrayList<>(new LinkedHashSet<>(partial));
    }

    @Override
    public Suggestion sample(SamplingContext context) {
        if (grid == null || !context.space().equals(gridSpace) || gridSeed != context.seed()) {
            List<Map<String, Object>> points = points(context.space());
            SplittableRandom rng = new SplittableRandom(context.seed());
            for (int i = points.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Map<String, Object> t = points.get(i);
                points.set(i, points.get(j));
                points.set(j, t);
            }
            grid = points;
            gridSpace = context.space();
            gridSeed = context.seed();
        }
        Set<Map<String, Object>> taken = new HashSet<>();
        for (FrozenTrial t : context.trials()) if (t.state() != TrialState.LOST) taken.add(t.params());
        for (Map<String, Object> point : grid) {
            if (!taken.contains(point)) return Suggestion.of(point);
        }
        return null;
    }

    /** Number of points of {@code space}'s grid. */
    public int size(SearchSpace space) {
        return points(space).size();
    }

    @Override
    public String name() {
        return "grid";
    }
}
