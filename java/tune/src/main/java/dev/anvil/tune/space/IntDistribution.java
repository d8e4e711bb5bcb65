package dev.anvil.tune.space;

import java.util.Locale;

/**
 * Integers low, low + step, ..., high, uniform or log-uniform ({@code log}: low >= 1, step 1). The
 * unit interval covers each integer's half-step neighbourhood, so a uniform draw is uniform over
 * the integers (and a log draw log-uniform, as in Optuna).
 */
public record IntDistribution(long low, long high, boolean log, long step) implements Distribution {
    public IntDistribution {
        if (low > high) throw new IllegalArgumentException("empty range: low " + low + " is above high " + high);
        if (low == high) throw new IllegalArgumentException("range [" + low + ", " + high + "] holds one value: use a constant");
        if (step < 1) throw new IllegalArgumentException("step must be >= 1, got " + step);
        if (log && low < 1) throw new IllegalArgumentException("log scale needs low >= 1, got " + low);
        if (log && step != 1) throw new IllegalArgumentException("log and step cannot be combined (step " + step + ")");
        if (step > high - low) throw new IllegalArgumentException("step " + step + " is wider than the range [" + low + ", " + high + "]");
        high = low + (high - low) / step * step;
    }

    public static IntDistribution uniform(long low, long high) {
        return new IntDistribution(low, high, false, 1);
    }

    public static IntDistribution logUniform(long low, long high) {
        return new IntDistribution(low, high, true, 1);
    }

    public static IntDistribution stepped(long low, long high, long step) {
        return new IntDistribution(low, high, false, step);
    }

    /** Number of values. */
    public long size() {
        return (high - low) / step + 1;
    }

    private double lowEdge() {
        return log ? Math.log(low - 0.5) : low - 0.5 * step;
    }

    private double highEdge() {
        return log ? Math.log(high + 0.5) : high + 0.5 * step;
    }

    @Override
    public boolean contains(Object value) {
        if (!(value instanceof Number n)) return false;
        double d = n.doubleValue();
        if (d != Math.rint(d)) return false;
        long v = (long) d;
        return v >= low && v <= high && (v - low) % step == 0;
    }

    @Override
    public double toUnit(Object value) {
        double v = ((Number) value).doubleValue();
        double x = log ? Math.log(v) : v;
        return (x - lowEdge()) / (highEdge() - lowEdge());
    }

    @Override
    public Object fromUnit(double u) {
        u = Distribution.clampUnit(u);
        double x = lowEdge() + u * (highEdge() - lowEdge());
        double v = log ? Math.exp(x) : x;
        long k = Math.round((v - low) / step);
        return Math.min(high, Math.max(low, low + k * step));
    }

    @Override
    public Object canonical(Object value) {
        return ((Number) value).longValue();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "int [%d, %d]%s%s", low, high, log ? " log" : "", step > 1 ? " step " + step : "");
    }
}
