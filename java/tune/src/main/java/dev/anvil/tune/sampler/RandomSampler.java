package dev.anvil.tune.sampler;

import java.util.SplittableRandom;

/** Independent draws from each parameter's prior (uniform or log-uniform; uniform over choices). */
public final class RandomSampler implements Sampler {
    @Override
    public Suggestion sample(SamplingContext context) {
        SplittableRandom rng = context.rng(0);
        return Suggestion.of(context.space().assign(p -> p.distribution().fromUnit(rng.nextDouble())));
    }

    @Override
    public String name() {
        return "random";
    }
}
