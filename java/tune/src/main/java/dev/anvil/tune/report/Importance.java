package dev.anvil.tune.report;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Trials;
import dev.anvil.tune.sampler.ParzenEstimator;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Distribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter importance by PED-ANOVA (Watanabe, Bansal and Hutter, "PED-ANOVA: Efficiently
 * Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023; Optuna's
 * PedAnovaImportanceEvaluator): a parameter matters as much as the distribution of its values
 * among the best trials (the top {@code quantile}, 10%, at least 2) differs from their
 * distribution among all finished trials, measured by the Pearson divergence of two Parzen
 * estimators on a grid of the parameter's range. Pruned trials count, ranked after the complete
 * ones as TPE ranks them ({@link Trials#ranked}), so a heavily pruned study still has enough
 * trials. Importances are normalised to sum to 1.
 */
public final class Importance {
    private static final int GRID = 100;

    private Importance() {}

    /** Importance by parameter name, largest first; empty with fewer than 10 finished trials. */
    public static Map<String, Double> of(SearchSpace space, List<FrozenTrial> trials, Direction direction, double quantile) {
        if (!(quantile > 0 && quantile < 1)) throw new IllegalArgumentException("quantile must be in (0, 1), got " + quantile);
        List<FrozenTrial> ranked = Trials.ranked(trials, direction);
        Map<String, Double> raw = new LinkedHashMap<>();
        if (ranked.size() < 10) return raw;
        for (Param p : space.params()) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (FrozenTrial t : ranked) if (t.params().containsKey(p.name())) all.add(t.params());
            int top = Math.max(2, (int) Math.ceil(quantile * all.size()));
            if (all.size() < 10) continue;
            raw.put(p.name(), pearson(p, all.subList(0, top), all));
        }
        double sum = raw.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> out = new LinkedHashMap<>();
        raw.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), sum > 0 ? e.getValue() / sum : 0));
        return out;
    }

    /** Pearson divergence of p(x | top) from p(x | all): sum over the grid of p_all (p_top / p_all - 1)^2. */
    static double pearson(Param p, List<Map<String, Object>> top, List<Map<String, Object>> all) {
        List<Object> grid = grid(p.distribution());
        double[] pt = density(p, top, grid), pa = density(p, all, grid);
        double d = 0;
        for (int i = 0; i < grid.size(); i++) {
            double r = pt[i] / pa[i] - 1;
            d += pa[i] * r * r;
        }
        return d;
    }

    private static List<Object> grid(Distribution d) {
        List<Object> g = new ArrayList<>();
        if (d instanceof CategoricalDistribution c) {
            g.addAll(c.choices());
            return g;
        }
        for (int i = 0; i < GRID; i++) {
            Object v = d.fromUnit((i + 0.5) / GRID);
            if (g.isEmpty() || !g.get(g.size() - 1).equals(v)) g.add(v);
        }
        return g;
    }

    private static double[] density(Param p, List<Map<String, Object>> obs, List<Object> grid) {
        double[] w = new double[obs.size()];
        Arrays.fill(w, 1);
        ParzenEstimator e = new ParzenEstimator(List.of(p), obs, w, false);
        double[] out = new double[grid.size()];
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(e.logPdf(Map.of(p.name(), grid.get(i))));
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) out[i] /= sum;
        return out;
    }
}
