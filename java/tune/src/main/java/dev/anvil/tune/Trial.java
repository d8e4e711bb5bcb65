package dev.anvil.tune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** A running trial: its parameters, and the way it reports progress to the study. */
public final class Trial {
    private final Study study;
    private final int number;
    private final Map<String, Object> params;
    private long lastStep = Long.MIN_VALUE;

    Trial(Study study, int number, Map<String, Object> params) {
        this.study = study;
        this.number = number;
        this.params = params;
    }

    public int number() {
        return number;
    }

    /** The active parameters, in the space's declaration order. */
    public Map<String, Object> params() {
        return params;
    }

    public boolean has(String name) {
        return params.containsKey(name);
    }

    private Object need(String name) {
        Object v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("trial " + number + " has no parameter '" + name + "'"
                    + (study.space().has(name) ? " (inactive under its condition)" : " (not in the search space)") + "; it has " + params.keySet());
        }
        return v;
    }

    public double getDouble(String name) {
        Object v = need(name);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("parameter '" + name + "' = " + v + " is not a number");
        return n.doubleValue();
    }

    /** The parameter, which must be whole (an int parameter or a whole-number choice). */
    public long getLong(String name) {
        double d = getDouble(name);
        if (d != Math.rint(d)) throw new IllegalArgumentException("parameter '" + name + "' = " + d + " is not a whole number");
        return (long) d;
    }

    public int getInt(String name) {
        return Math.toIntExact(getLong(name));
    }

    public String getString(String name) {
        return need(name).toString();
    }

    public double getDouble(String name, double fallback) {
        return has(name) ? getDouble(name) : fallback;
    }

    /**
     * Records the objective's value after {@code step} (an epoch, a number of samples, ...). Steps
     * must increase. A NaN value is recorded, and pruners prune on it.
     */
    public void report(long step, double value) {
        if (step < 0) throw new IllegalArgumentException("trial " + number + ": step must be >= 0, got " + step);
        if (step <= lastStep) throw new IllegalArgumentException("trial " + number + ": step " + step + " after step " + lastStep + " (steps must increase)");
        lastStep = step;
        try {
            study.report(number, step, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the pruner wants this trial stopped now, judging its latest report against the others'. */
    public boolean shouldPrune() {
        try {
            return study.shouldPrune(number);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records a user attribute (shown in the report), e.g. a test accuracy measured beside the objective. */
    public void setAttr(String key, String value) {
        try {
            study.setAttr(number, key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "trial " + number + " " + params;
    }
}
