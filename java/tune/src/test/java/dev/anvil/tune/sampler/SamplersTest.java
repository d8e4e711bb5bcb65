package dev.anvil.tune.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.Study;
import dev.anvil.tune.Trial;
import dev.anvil.tune.objective.TestFunction;
import dev.anvil.tune.space.SearchSpace;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Samplers on fixed seeds against the known optima of the test functions (Surjanovic and Bingham's
 * Virtual Library of Simulation Experiments): Branin-Hoo 0.397887, Hartmann-6 -3.32237.
 */
class SamplersTest {
    static final SearchSpace CONDITIONAL = SearchSpace.builder()
            .categorical("optimizer", "sgd", "adam")
            .steppedFloat("momentum", 0.5, 0.9, 0.4).when("optimizer", "sgd")
            .categorical("batch", 32, 64)
            .build();

    static double bowl(Trial t) {
        double x = t.getDouble("x") - 1, y = t.getDouble("y") + 2;
        return x * x + y * y;
    }

    static final SearchSpace BOWL = SearchSpace.builder().floatRange("x", -5, 5).floatRange("y", -5, 5).build();

    @Test
    void tpeGammaAndWeightsAreOptunasDefaults() {
        // optuna.samplers._tpe.sampler.default_gamma: min(ceil(0.1 * n), 25)
        assertEquals(1, TpeSampler.gamma(10));
        assertEquals(10, TpeSampler.gamma(100));
        assertEquals(25, TpeSampler.gamma(1000));
        // default_weights: ones below 25, else linspace(1/n, 1, n - 25) then 25 ones
        assertEquals(List.of(1.0, 1.0), List.of(TpeSampler.weights(2)[0], TpeSampler.weights(2)[1]));
        double[] w = TpeSampler.weights(30);
        double[] expected = {1.0 / 30, 1.0 / 30 + (1 - 1.0 / 30) / 4, 1.0 / 30 + (1 - 1.0 / 30) / 2, 1.0 / 30 + 3 * (1 - 1.0 / 30) / 4, 1.0};
        for (int i = 0; i < 5; i++) assertEquals(expected[i], w[i], 1e-12);
        for (int i = 5; i < 30; i++) assertEquals(1.0, w[i]);
    }

    @Test
    void tpeStartsAsRandomSearchThenFindsTheBowlsMinimum() throws Exception {
        try (Study tpe = Study.builder(BOWL).sampler(new TpeSampler()).seed(5).open();
                Study random = Study.builder(BOWL).sampler(new RandomSampler()).seed(5).open()) {
            tpe.optimize(SamplersTest::bowl, 80);
            random.optimize(SamplersTest::bowl, 10);
            for (int i = 0; i < 10; i++) assertEquals(random.trials().get(i).params(), tpe.trials().get(i).params(), "start-up trial " + i);
            assertTrue(tpe.bestTrial().orElseThrow().value() < 0.05, "best " + tpe.bestTrial());
        }
    }

    @Test
    void tpeBeatsRandomSearchOnHartmann6() throws Exception {
        double[] tpe = new double[5], random = new double[5];
        for (int seed = 0; seed < 5; seed++) {
            tpe[seed] = SamplerTestSupport.best(TestFunction.HARTMANN6.space(), new TpeSampler(), TestFunction.HARTMANN6, seed, 60);
            random[seed] = SamplerTestSupport.best(TestFunction.HARTMANN6.space(), new RandomSampler(), TestFunction.HARTMANN6, seed, 60);
        }
        assertTrue(SamplerTestSupport.median(tpe) < SamplerTestSupport.median(random) - 0.3,
                "TPE " + SamplerTestSupport.median(tpe) + " vs random " + SamplerTestSupport.median(random));
    }

    @Test
    void conditionalParametersAppearOnlyUnderTheirCondition() throws Exception {
        for (Sampler s : List.of(new RandomSampler(), new TpeSampler(), TpeSampler.builder().multivariate(true).build(), new GpSampler(), new GeneticSampler(),
                new CmaEsSampler())) {
            try (Study study = Study.builder(CONDITIONAL).sampler(s).seed(2).open()) {
                study.optimize(t -> (t.getString("optimizer").equals("sgd") ? t.getDouble("momentum") : 1.0) + t.getInt("batch") / 64.0, 30);
                for (FrozenTrial t : study.trials()) {
                    assertEquals(t.params().get("optimizer").equals("sgd"), t.params().containsKey("momentum"), s.name() + " " + t.params());
                }
            }
        }
    }

    @Test
    void gpFindsBraninsMinimumWithin35Evaluations() throws Exception {
        double[] best = new double[3];
        for (int seed = 0; seed < 3; seed++) best[seed] = SamplerTestSupport.best(TestFunction.BRANIN.space(), new GpSampler(), TestFunction.BRANIN, seed, 35);
        assertEquals(0.397887, SamplerTestSupport.median(best), 0.01);
    }

    @Test
    void cmaEsConvergesOnTheBowlAndRecordsGenerations() throws Exception {
        try (Study s = Study.builder(BOWL).sampler(new CmaEsSampler()).seed(1).open()) {
            s.optimize(SamplersTest::bowl, 150);
            assertTrue(s.bestTrial().orElseThrow().value() < 1e-3, "best " + s.bestTrial());
            // lambda = 4 + floor(3 ln 2) = 6 (Hansen's default): the first 6 trials are generation 0
            for (int i = 0; i < 6; i++) assertEquals("0", s.trials().get(i).attrs().get(CmaEsSampler.GENERATION));
            assertEquals("1", s.trials().get(6).attrs().get(CmaEsSampler.GENERATION));
        }
        assertThrows(IllegalArgumentException.class, () -> new CmaEsSampler(1));
    }

    @Test
    void geneticAlgorithmAndCmaEsBeatRandomSearchOnHartmann6() throws Exception {
        int seeds = 5;
        double[] ga = new double[seeds], cma = new double[seeds], random = new double[seeds];
        for (int seed = 0; seed < seeds; seed++) {
            ga[seed] = SamplerTestSupport.best(TestFunction.HARTMANN6.space(), new GeneticSampler(), TestFunction.HARTMANN6, seed, 100);
            cma[seed] = SamplerTestSupport.best(TestFunction.HARTMANN6.space(), new CmaEsSampler(), TestFunction.HARTMANN6, seed, 100);
            random[seed] = SamplerTestSupport.best(TestFunction.HARTMANN6.space(), new RandomSampler(), TestFunction.HARTMANN6, seed, 100);
        }
        double r = SamplerTestSupport.median(random);
        assertTrue(SamplerTestSupport.median(ga) < r, "GA " + SamplerTestSupport.median(ga) + " vs random " + r);
        assertTrue(SamplerTestSupport.median(cma) < r, "CMA-ES " + SamplerTestSupport.median(cma) + " vs random " + r);
    }

    @Test
    void gaChildrenComeFromTheElite() throws Exception {
        try (Study s = Study.builder(BOWL).sampler(new GeneticSampler(4, 0.9, 0.5)).seed(3).open()) {
            s.optimize(SamplersTest::bowl, 12);
            FrozenTrial child = s.trials().get(11);
            String[] parents = child.attrs().get("ga:parents").split(",");
            assertEquals(2, parents.length);
            assertEquals("2", child.attrs().get("ga:generation"));
        }
        assertThrows(IllegalArgumentException.class, () -> new GeneticSampler(1, 0.5, null));
        assertThrows(IllegalArgumentException.class, () -> new GeneticSampler(4, 1.5, null));
        assertThrows(IllegalArgumentException.class, () -> new GeneticSampler(4, 0.5, -0.1));
    }

    @Test
    void gridVisitsEveryDistinctPointOnceThenEndsTheStudy() throws Exception {
        GridSampler grid = new GridSampler();
        // sgd: 2 momenta x 2 batches; adam: 2 batches (momentum inactive, not multiplied)
        assertEquals(6, grid.size(CONDITIONAL));
        try (Study s = Study.builder(CONDITIONAL).sampler(grid).seed(4).open()) {
            s.optimize(t -> 0, 100);
            List<FrozenTrial> ts = s.trials();
            assertEquals(6, ts.size());
            Set<Map<String, Object>> distinct = new HashSet<>();
            for (FrozenTrial t : ts) distinct.add(t.params());
            assertEquals(6, distinct.size());
            assertNull(s.askWithin(100), "an exhausted grid asks nothing more");
        }
        assertEquals(5 * 5, new GridSampler().size(BOWL));
        assertThrows(IllegalArgumentException.class, () -> new GridSampler(1));
        SearchSpace huge = SearchSpace.builder().intRange("a", 0, 1000).intRange("b", 0, 1000).build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GridSampler().size(huge)).getMessage().contains("more than 100000 points"));
    }

    @Test
    void samplersByName() {
        for (String n : Samplers.NAMES) assertEquals(n, Samplers.create(n, true).name());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Samplers.create("bayes", false)).getMessage().contains("unknown sampler 'bayes'"));
        assertThrows(IllegalArgumentException.class, () -> TpeSampler.builder().nStartupTrials(-1));
        assertThrows(IllegalArgumentException.class, () -> TpeSampler.builder().nEiCandidates(0));
        assertThrows(IllegalArgumentException.class, () -> new GpSampler(0, 10));
        assertFalse(Samplers.NAMES.isEmpty());
    }
}
