package dev.anvil.tune.space;

import java.util.Objects;

/** A named parameter of a search space, active always or only under a {@link Condition}. */
public record Param(String name, Distribution distribution, Condition condition) {
    public Param {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(distribution, "distribution of " + name);
        if (name.isBlank()) throw new IllegalArgumentException("a parameter name must not be blank");
    }

    public boolean isConditional() {
        return condition != null;
    }
}
