package dev.anvil.tune.space;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The parameters of a study, in declaration order; a conditional parameter's parent is declared
 * before it, so that assigning values in order always knows whether a parameter is active.
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.builder()
 *         .categorical("optimizer", "sgd", "adam")
 *         .logFloat("lr", 1e-4, 0.3)
 *         .floatRange("momentum", 0.5, 0.99).when("optimizer", "sgd")
 *         .intRange("batch", 32, 256).build();
 * }</pre>
 */
public final class SearchSpace {
    private final List<Param> params;
    private final Map<String, Param> byName;

    private SearchSpace(List<Param> params) {
        this.params = List.copyOf(params);
        Map<String, Param> map = new LinkedHashMap<>();
        for (Param p : params) {
            if (map.put(p.name(), p) != null) throw new IllegalArgumentException("parameter '" + p.name() + "' is declared twice");
            Condition c = p.condition();
            if (c == null) continue;
            Param parent = map.get(c.parent());
            if (parent == null || parent == p) {
                throw new IllegalArgumentException("parameter '" + p.name() + "': its condition names '" + c.parent()
                        + "', which is not declared before it");
            }
            for (Object v : c.values()) {
                if (!parent.distribution().contains(v)) {
                    throw new IllegalArgumentException("parameter '" + p.name() + "': condition value " + v + " is not a value of '"
                            + c.parent() + "' (" + parent.distribution().describe() + ")");
                }
            }
        }
        if (map.isEmpty()) throw new IllegalArgumentException("a search space needs at least one parameter");
        this.byName = Collections.unmodifiableMap(map);
    }

    public static SearchSpace of(List<Param> params) {
        return new SearchSpace(params);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Param> params() {
        return params;
    }

    public Param param(String name) {
        Param p = byName.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter '" + name + "' in the search space " + byName.keySet());
        return p;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Whether {@code p} is active given the values already assigned to the parameters before it. */
    public boolean isActive(Param p, Map<String, Object> assigned) {
        Condition c = p.condition();
        return c == null || c.holds(assigned.get(c.parent()));
    }

    /**
     * Assigns every active parameter in declaration order: {@code pick} gives each one's value
     * (it sees only active parameters, and may read the values assigned before it).
     */
    public Map<String, Object> assign(Function<Param, Object> pick) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param p : params) {
            if (isActive(p, out)) out.put(p.name(), p.distribution().canonical(pick.apply(p)));
        }
        return out;
    }

    /**
     * The same values, checked and in canonical types: every active parameter present and legal,
     * no inactive or unknown one.
     *
     * @throws IllegalArgumentException naming the first parameter that is wrong
     */
    public Map<String, Object> validate(Map<String, ?> values) {
        for (String name : values.keySet()) {
            if (!byName.containsKey(name)) throw new IllegalArgumentException("unknown parameter '" + name + "' (space: " + byName.keySet() + ")");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param p : params) {
            Object v = values.get(p.name());
            if (!isActive(p, out)) {
                if (v != null) throw new IllegalArgumentException("parameter '" + p.name() + "' is inactive here (" + p.condition() + ") but has a value");
                continue;
            }
            if (v == null) throw new IllegalArgumentException("parameter '" + p.name() + "' is missing");
            if (!p.distribution().contains(v)) {
                throw new IllegalArgumentException("parameter '" + p.name() + "' = " + v + " is outside " + p.distribution().describe());
            }
            out.put(p.name(), p.distribution().canonical(v));
        }
        return out;
    }

    /** Parameters that are active in every trial (no condition). */
    public List<Param> unconditional() {
        List<Param> out = new ArrayList<>();
        for (Param p : params) if (!p.isConditional()) out.add(p);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchSpace s && s.params.equals(params);
    }

    @Override
    public int hashCode() {
        return params.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Param p : params) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(p.name()).append(": ").append(p.distribution().describe());
            if (p.condition() != null) sb.append(" when ").append(p.condition().parent()).append(" in ").append(p.condition().values());
        }
        return sb.toString();
    }

    /** Declares parameters in order; {@link #when} attaches a condition to the last one. */
    public static final class Builder {
        private final List<Param> params = new ArrayList<>();

        public Builder add(String name, Distribution d) {
            params.add(new Param(name, d, null));
            return this;
        }

        public Builder floatRange(String name, double low, double high) {
            return add(name, FloatDistribution.uniform(low, high));
        }

        public Builder logFloat(String name, double low, double high) {
            return add(name, FloatDistribution.logUniform(low, high));
        }

        public Builder steppedFloat(String name, double low, double high, double step) {
            return add(name, FloatDistribution.stepped(low, high, step));
        }

        public Builder intRange(String name, long low, long high) {
            return add(name, IntDistribution.uniform(low, high));
        }

        public Builder logInt(String name, long low, long high) {
            return add(name, IntDistribution.logUniform(low, high));
        }

        public Builder categorical(String name, Object... choices) {
            return add(name, CategoricalDistribution.of(choices));
        }

        /** The last declared parameter exists only when {@code parent} takes one of {@code values}. */
        public Builder when(String parent, Object... values) {
            if (params.isEmpty()) throw new IllegalStateException("when(...) follows the parameter it conditions");
            Param last = params.remove(params.size() - 1);
            if (last.condition() != null) throw new IllegalStateException("parameter '" + last.name() + "' already has a condition");
            params.add(new Param(last.name(), last.distribution(), new Condition(parent, List.of(values))));
            return this;
        }

        public SearchSpace build() {
            return new SearchSpace(params);
        }
    }
}
