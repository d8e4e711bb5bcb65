package dev.anvil.tune.sampler;

import java.util.Map;

/** A sampler's choice: the parameters, and attributes it wants recorded with the trial (e.g. a CMA-ES generation). */
public record Suggestion(Map<String, Object> params, Map<String, String> attrs) {
    public Suggestion {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        attrs = Map.copyOf(attrs);
    }

    public static Suggestion of(Map<String, Object> params) {
        return new Suggestion(params, Map.of());
    }
}
