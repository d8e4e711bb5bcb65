package dev.anvil.tune.space;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A parameter exists only while {@code parent} is active and takes one of {@code values}. */
public record Condition(String parent, List<Object> values) {
    public Condition {
        Objects.requireNonNull(parent, "parent");
        if (values == null || values.isEmpty()) throw new IllegalArgumentException("condition on '" + parent + "' names no values");
        List<Object> normalized = new ArrayList<>();
        for (Object v : values) normalized.add(CategoricalDistribution.normalize(v));
        values = List.copyOf(normalized);
    }

    boolean holds(Object parentValue) {
        return parentValue != null && values.contains(CategoricalDistribution.normalize(parentValue));
    }
}
