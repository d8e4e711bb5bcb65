package dev.anvil.tune.space;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * Real values in [low, high]: uniform, log-uniform ({@code log}, low > 0) or on the grid
 * low, low + step, ... ({@code step > 0}). As in Optuna, log and step exclude each other, and a
 * range that is not a whole number of steps is shortened to the last grid point below high.
 */
public record FloatDistribution(double low, double high, boolean log, double step) implements Distribution {
    public FloatDistribution {
        if (!Double.isFinite(low) || !Double.isFinite(high)) {
            throw new IllegalArgumentException("bounds must be finite, got [" + low + ", " + high + "]");
        }
        if (!(low < high)) throw new IllegalArgumentException("empty range: low " + low + " must be below high " + high);
        if (log && low <= 0) throw new IllegalArgumentException("log scale needs a positive low bound, got " + low);
        if (!(step >= 0) || !Double.isFinite(step)) throw new IllegalArgumentException("step must be finite and >= 0, got " + step);
        if (log && step > 0) throw new IllegalArgumentException("log and step cannot be combined (step " + step + ")");
        if (step > high - low) throw new IllegalArgumentException("step " + step + " is wider than the range [" + low + ", " + high + "]");
        if (step > 0) high = low + Math.floor((high - low) / step + 1e-9) * step;
    }

    public static FloatDistribution uniform(double low, double high) {
        return new FloatDistribution(low, high, false, 0);
    }

    public static FloatDistribution logUniform(double low, double high) {
        return new FloatDistribution(low, high, true, 0);
    }

    public static FloatDistribution stepped(double low, double high, double step) {
        if (!(step > 0)) throw new IllegalArgumentException("step must be positive, got " + step);
        return new FloatDistribution(low, high, false, step);
    }

    @Override
    public boolean contains(Object value) {
        if (!(value instanceof Number n)) return false;
        double v = n.doubleValue();
        if (!(v >= low && v <= high)) return false;
        if (step == 0) return true;
        double k = (v - low) / step;
        return Math.abs(k - Math.rint(k)) < 1e-6;
    }

    @Override
    public double toUnit(Object value) {
        double v = ((Number) value).doubleValue();
        if (log) return (Math.log(v) - Math.log(low)) / (Math.log(high) - Math.log(low));
        return (v - low) / (high - low);
    }

    @Override
    public Object fromUnit(double u) {
        u = Distribution.clampUnit(u);
        if (log) return Math.min(high, Math.max(low, Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)))));
        double v = low + u * (high - low);
        // 12 significant digits drop the binary noise of low + k * step (0.30000000000000004 is 0.3)
        if (step > 0) v = new BigDecimal(low + Math.rint((v - low) / step) * step).round(new MathContext(12)).doubleValue();
        return Math.min(high, Math.max(low, v));
    }

    @Override
    public Object canonical(Object value) {
        return ((Number) value).doubleValue();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "float [%s, %s]%s%s", low, high, log ? " log" : "", step > 0 ? " step " + step : "");
    }
}
