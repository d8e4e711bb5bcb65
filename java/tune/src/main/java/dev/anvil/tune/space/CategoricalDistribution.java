package dev.anvil.tune.space;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * One of a list of choices: strings, booleans or numbers (whole numbers are kept as Long, others
 * as Double, so that 64 read from JSON equals 64 written by Java).
 */
public record CategoricalDistribution(List<Object> choices) implements Distribution {
    public CategoricalDistribution {
        if (choices == null || choices.isEmpty()) throw new IllegalArgumentException("a categorical parameter needs at least one choice");
        List<Object> normalized = new ArrayList<>();
        for (Object c : choices) normalized.add(normalize(c));
        if (new HashSet<>(normalized).size() != normalized.size()) {
            throw new IllegalArgumentException("choices must be distinct, got " + normalized);
        }
        choices = List.copyOf(normalized);
    }

    public static CategoricalDistribution of(Object... choices) {
        return new CategoricalDistribution(List.of(choices));
    }

    /** Strings and booleans as they are; numbers as Long when whole, else Double. */
    static Object normalize(Object c) {
        if (c instanceof String || c instanceof Boolean) return c;
        if (c instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("choice " + c + " is not finite");
            if (d == Math.rint(d) && Math.abs(d) < 1L << 53) return (long) d;
            return d;
        }
        throw new IllegalArgumentException("choice " + c + " must be a string, a number or a boolean"
                + (c == null ? "" : ", not " + c.getClass().getSimpleName()));
    }

    /** Position of {@code value} in the list, or -1. */
    public int indexOf(Object value) {
        if (value == null) return -1;
        try {
            return choices.indexOf(normalize(value));
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    public int size() {
        return choices.size();
    }

    @Override
    public boolean contains(Object value) {
        return indexOf(value) >= 0;
    }

    @Override
    public double toUnit(Object value) {
        return (indexOf(value) + 0.5) / choices.size();
    }

    @Override
    public Object fromUnit(double u) {
        int i = (int) Math.floor(Distribution.clampUnit(u) * choices.size());
        return choices.get(Math.min(choices.size() - 1, i));
    }

    @Override
    public Object canonical(Object value) {
        return choices.get(indexOf(value));
    }

    @Override
    public String describe() {
        return "categorical " + choices;
    }
}
