package dev.anvil.tune.sampler;

import java.util.List;

/** Samplers by name, as the command line and the journal's "sampler" attribute spell them. */
public final class Samplers {
    public static final List<String> NAMES = List.of("random", "grid", "tpe", "tpe-multivariate", "gp", "ga", "cmaes");

    private Samplers() {}

    /**
     * @param name         one of {@link #NAMES}
     * @param constantLiar for TPE: count running trials as bad ones (use with parallel workers)
     */
    public static Sampler create(String name, boolean constantLiar) {
        return switch (name) {
            case "random" -> new RandomSampler();
            case "grid" -> new GridSampler();
            case "tpe" -> TpeSampler.builder().constantLiar(constantLiar).build();
            case "tpe-multivariate" -> TpeSampler.builder().multivariate(true).constantLiar(constantLiar).build();
            case "gp" -> new GpSampler();
            case "ga" -> new GeneticSampler();
            case "cmaes" -> new CmaEsSampler();
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
        };
    }
}
