package dev.anvil.tune.sampler;

import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.Distribution;
import dev.anvil.tune.space.FloatDistribution;
import dev.anvil.tune.space.IntDistribution;
import dev.anvil.tune.space.Param;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Parzen estimator of TPE (Bergstra et al., "Algorithms for Hyper-Parameter Optimization",
 * NeurIPS 2011): a weighted mixture with one kernel per observation and one for the prior.
 * Numerical parameters get truncated Gaussians in the parameter's own scale (log for log
 * parameters; the range widened by half a step for discrete ones, whose values then get the mass
 * of their bin); categorical ones get a distribution peaked on the observed choice. Bandwidths
 * follow Optuna's documented defaults: univariate, the larger distance to the neighbouring
 * observations (prior included), clipped to [range / min(100, 1 + n), range] ("magic clip");
 * multivariate (all parameters of one kernel drawn together, Falkner et al. 2018), Scott's rule
 * 0.2 * n^(-1 / (d + 4)) * range. Prior: mean at the range's centre, width the range, weight 1.
 */
public final class ParzenEstimator {
    private static final double PRIOR_WEIGHT = 1.0;

    private final List<Param> params;
    private final int components;
    private final double[] logWeights;
    /** Per numerical parameter: kernel means and widths (index = component); null for categorical ones. */
    private final double[][] mus;
    private final double[][] sigmas;
    /** Per numerical parameter and component: log(sigma) + log(mass of the kernel inside the range), the density's normaliser. */
    private final double[][] logNorms;
    /** Per numerical parameter and component: 1 / sigma. */
    private final double[][] invSigmas;
    /** Per categorical parameter: log probability of each choice under each component; null for numerical ones. */
    private final double[][][] logProbs;
    private final double[] low;
    private final double[] high;

    /**
     * @param params       the parameters modelled together (one for univariate TPE)
     * @param observations the observations' values, each holding every parameter of {@code params}
     * @param weights      one weight per observation
     * @param multivariate Scott's-rule bandwidths instead of neighbour distances
     */
    public ParzenEstimator(List<Param> params, List<Map<String, Object>> observations, double[] weights, boolean multivariate) {
        this.params = params;
        int n = observations.size();
        this.components = n + 1;
        int d = params.size();
        this.mus = new double[d][];
        this.sigmas = new double[d][];
        this.logNorms = new double[d][];
        this.invSigmas = new double[d][];
        this.logProbs = new double[d][][];
        this.low = new double[d];
        this.high = new double[d];
        double total = PRIOR_WEIGHT;
        for (double w : weights) total += w;
        this.logWeights = new double[components];
        for (int k = 0; k < n; k++) logWeights[k] = Math.log(weights[k] / total);
        logWeights[n] = Math.log(PRIOR_WEIGHT / total);
        for (int j = 0; j < d; j++) {
            Param p = params.get(j);
            Distribution dist = p.distribution();
            if (dist instanceof CategoricalDistribution c) {
                logProbs[j] = categoricalKernels(c, observations, p.name());
                continue;
            }
            low[j] = lowEdge(dist);
            high[j] = highEdge(dist);
            double[] m = new double[components];
            for (int k = 0; k < n; k++) m[k] = coordinate(dist, observations.get(k).get(p.name()));
            m[n] = 0.5 * (low[j] + high[j]);
            mus[j] = m;
            sigmas[j] = multivariate ? scott(n, d, high[j] - low[j]) : neighbourWidths(m, low[j], high[j]);
            logNorms[j] = new double[components];
            invSigmas[j] = new double[components];
            for (int k = 0; k < components; k++) {
                logNorms[j][k] = TruncatedNormal.logNormaliser(m[k], sigmas[j][k], low[j], high[j]) + TruncatedNormal.LOG_SQRT_2PI;
                invSigmas[j][k] = 1 / sigmas[j][k];
            }
        }
    }

    private static double[][] categoricalKernels(CategoricalDistribution c, List<Map<String, Object>> obs, String name) {
        int n = obs.size(), choices = c.size();
        double[][] lp = new double[n + 1][choices];
        double base = PRIOR_WEIGHT / (n + 1);
        for (int k = 0; k <= n; k++) {
            double[] row = new double[choices];
            Arrays.fill(row, base);
            if (k < n) row[c.indexOf(obs.get(k).get(name))] += 1;
            double sum = 0;
            for (double v : row) sum += v;
            for (int i = 0; i < choices; i++) lp[k][i] = Math.log(row[i] / sum);
        }
        return lp;
    }

    private static double[] scott(int n, int d, double range) {
        double[] s = new double[n + 1];
        Arrays.fill(s, 0.2 * Math.pow(Math.max(n, 1), -1.0 / (d + 4)) * range);
        s[n] = range;
        return clip(s, range, n + 1);
    }

    private static double[] neighbourWidths(double[] mus, double low, double high) {
        int m = mus.length;
        int[] order = sortedOrder(mus);
        double[] s = new double[m];
        for (int r = 0; r < m; r++) {
            double left = r == 0 ? low : mus[order[r - 1]];
            double right = r == m - 1 ? high : mus[order[r + 1]];
            double here = mus[order[r]];
            s[order[r]] = Math.max(here - left, right - here);
        }
        // Endpoints are not neighbours (Optuna's consider_endpoints=False): the outermost kernels use the inner gap.
        if (m >= 2) {
            s[order[0]] = mus[order[1]] - mus[order[0]];
            s[order[m - 1]] = mus[order[m - 1]] - mus[order[m - 2]];
        }
        s[m - 1] = high - low; // the prior
        return clip(s, high - low, m);
    }

    /** Indices of {@code v} in increasing order of value, ties by index (a stable sort without boxing). */
    static int[] sortedOrder(double[] v) {
        int n = v.length;
        long[] keys = new long[n];
        double[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        // rank of each value among distinct values, then (rank, index) packed into one long
        for (int i = 0; i < n; i++) keys[i] = ((long) java.util.Arrays.binarySearch(sorted, v[i]) << 32) | i;
        java.util.Arrays.sort(keys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = (int) keys[i];
        return order;
    }

    private static double[] clip(double[] s, double range, int withPrior) {
        double min = range / Math.min(100.0, 1.0 + withPrior);
        for (int i = 0; i < s.length; i++) s[i] = Math.min(range, Math.max(min, s[i]));
        return s;
    }

    static double lowEdge(Distribution d) {
        if (d instanceof FloatDistribution f) return f.log() ? Math.log(f.low()) : f.low() - 0.5 * f.step();
        IntDistribution i = (IntDistribution) d;
        return i.log() ? Math.log(i.low() - 0.5) : i.low() - 0.5 * i.step();
    }

    static double highEdge(Distribution d) {
        if (d instanceof FloatDistribution f) return f.log() ? Math.log(f.high()) : f.high() + 0.5 * f.step();
        IntDistribution i = (IntDistribution) d;
        return i.log() ? Math.log(i.high() + 0.5) : i.high() + 0.5 * i.step();
    }

    /** A numerical value in the estimator's scale. */
    static double coordinate(Distribution d, Object value) {
        double v = ((Number) value).doubleValue();
        boolean log = d instanceof FloatDistribution f ? f.log() : ((IntDistribution) d).log();
        return log ? Math.log(v) : v;
    }

    /** The bin of a discrete value in the estimator's scale, or null for a continuous parameter. */
    private static double[] bin(Distribution d, double v) {
        if (d instanceof FloatDistribution f) return f.step() > 0 ? new double[] {v - 0.5 * f.step(), v + 0.5 * f.step()} : null;
        IntDistribution i = (IntDistribution) d;
        return i.log() ? new double[] {Math.log(v - 0.5), Math.log(v + 0.5)} : new double[] {v - 0.5 * i.step(), v + 0.5 * i.step()};
    }

    /** Draws one point: a component by weight, then each parameter from that component's kernel. */
    void sample(SplittableRandom rng, Map<String, Object> out) {
        double u = rng.nextDouble(), acc = 0;
        int k = components - 1;
        for (int i = 0; i < components; i++) {
            acc += Math.exp(logWeights[i]);
            if (u < acc) {
                k = i;
                break;
            }
        }
        for (int j = 0; j < params.size(); j++) {
            Param p = params.get(j);
            Distribution d = p.distribution();
            if (logProbs[j] != null) {
                double[] lp = logProbs[j][k];
                double v = rng.nextDouble(), a = 0;
                int choice = lp.length - 1;
                for (int c = 0; c < lp.length; c++) {
                    a += Math.exp(lp[c]);
                    if (v < a) {
                        choice = c;
                        break;
                    }
                }
                out.put(p.name(), ((CategoricalDistribution) d).choices().get(choice));
            } else {
                double x = TruncatedNormal.sample(rng, mus[j][k], sigmas[j][k], low[j], high[j]);
                double value = isLog(d) ? Math.exp(x) : x;
                // fromUnit rounds to the parameter's grid and keeps it in range.
                out.put(p.name(), d.fromUnit(d.toUnit(value)));
            }
        }
    }

    private static boolean isLog(Distribution d) {
        return d instanceof FloatDistribution f ? f.log() : ((IntDistribution) d).log();
    }

    /** Log density (mass for discrete parameters) of a point holding every parameter. */
    public double logPdf(Map<String, Object> point) {
        double[] terms = new double[components];
        for (int k = 0; k < components; k++) terms[k] = logWeights[k];
        for (int j = 0; j < params.size(); j++) {
            Param p = params.get(j);
            Object value = point.get(p.name());
            if (logProbs[j] != null) {
                int c = ((CategoricalDistribution) p.distribution()).indexOf(value);
                for (int k = 0; k < components; k++) terms[k] += logProbs[j][k][c];
                continue;
            }
            double x = coordinate(p.distribution(), value);
            double[] b = bin(p.distribution(), ((Number) value).doubleValue());
            double[] mu = mus[j], inv = invSigmas[j], norm = logNorms[j];
            if (b == null) {
                for (int k = 0; k < components; k++) {
                    double z = (x - mu[k]) * inv[k];
                    terms[k] -= 0.5 * z * z + norm[k];
                }
            } else {
                for (int k = 0; k < components; k++) {
                    double mass = TruncatedNormal.mass((b[0] - mu[k]) * inv[k], (b[1] - mu[k]) * inv[k]);
                    // a mass is not a density: undo the density's 1 / (sigma sqrt(2 pi)) that norm holds
                    terms[k] += Math.log(Math.max(mass, 1e-300)) - norm[k] - Math.log(inv[k]) + TruncatedNormal.LOG_SQRT_2PI;
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double t : terms) max = Math.max(max, t);
        // Components more than e^-40 below the largest change the sum by less than a double's precision: skip their exp.
        double sum = 0;
        for (double t : terms) if (t - max > -40) sum += Math.exp(t - max);
        return max + Math.log(sum);
    }
}
