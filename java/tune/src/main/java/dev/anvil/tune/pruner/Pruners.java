package dev.anvil.tune.pruner;

import java.util.List;

/** Pruners by name, as the command line spells them. */
public final class Pruners {
    public static final List<String> NAMES = List.of("none", "median", "asha");

    private Pruners() {}

    /**
     * @param name            none, median or asha
     * @param warmupSteps     median: steps never pruned
     * @param minResource     asha: the first rung's step
     * @param reductionFactor asha: the fraction 1 / reductionFactor of a rung goes on
     */
    public static Pruner create(String name, long warmupSteps, long minResource, int reductionFactor) {
        return switch (name) {
            case "none" -> Pruner.NONE;
            case "median" -> new MedianPruner(50, 5, warmupSteps, 1, 1);
            case "asha" -> new AshaPruner(minResource, reductionFactor, 0);
            default -> throw new IllegalArgumentException("unknown pruner '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
        };
    }
}
