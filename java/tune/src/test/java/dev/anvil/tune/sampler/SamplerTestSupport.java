package dev.anvil.tune.sampler;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Objective;
import dev.anvil.tune.Study;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.space.SearchSpace;
import java.io.IOException;
import java.util.Arrays;

/** Runs in-memory studies for the sampler tests. */
final class SamplerTestSupport {
    private SamplerTestSupport() {}

    /** The best value of a study of {@code n} trials. */
    static double best(SearchSpace space, Sampler sampler, Objective f, long seed, int n) throws IOException {
        try (Study s = Study.builder(space).sampler(sampler).seed(seed).open()) {
            s.optimize(f, n);
            return s.bestTrial().map(FrozenTrial::value).orElseThrow();
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    static long complete(Study s) {
        return s.trials().stream().filter(t -> t.state() == TrialState.COMPLETE).count();
    }
}
