package dev.anvil.tune.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchSpaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SearchSpace fmnistLike() {
        return SearchSpace.builder()
                .categorical("optimizer", "sgd", "adam")
                .logFloat("lr", 1e-4, 0.3)
                .floatRange("momentum", 0.5, 0.99).when("optimizer", "sgd")
                .steppedFloat("dropout", 0.0, 0.5, 0.1)
                .intRange("batch", 32, 256)
                .logInt("width_units", 8, 1024)
                .build();
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void conditionalParameterIsActiveOnlyUnderItsCondition() {
        SearchSpace s = fmnistLike();
        Map<String, Object> sgd = s.assign(p -> p.distribution().fromUnit(0.0));
        assertEquals("sgd", sgd.get("optimizer"));
        assertTrue(sgd.containsKey("momentum"));
        Map<String, Object> adam = s.assign(p -> p.distribution().fromUnit(0.99));
        assertEquals("adam", adam.get("optimizer"));
        assertFalse(adam.containsKey("momentum"));
    }

    @Test
    void validateNamesWhatIsWrong() {
        SearchSpace s = fmnistLike();
        Map<String, Object> ok = new LinkedHashMap<>(Map.of("optimizer", "adam", "lr", 0.01, "dropout", 0.2, "batch", 64, "width_units", 100));
        assertEquals(0.2, s.validate(ok).get("dropout"));
        Map<String, Object> inactive = new LinkedHashMap<>(ok);
        inactive.put("momentum", 0.9);
        assertTrue(message(() -> s.validate(inactive)).contains("'momentum' is inactive"));
        Map<String, Object> outside = new LinkedHashMap<>(ok);
        outside.put("lr", 1.0);
        assertTrue(message(() -> s.validate(outside)).contains("'lr' = 1.0 is outside float [1.0E-4, 0.3] log"));
        Map<String, Object> unknown = new LinkedHashMap<>(ok);
        unknown.put("lrr", 1.0);
        assertTrue(message(() -> s.validate(unknown)).contains("unknown parameter 'lrr'"));
        Map<String, Object> missing = new LinkedHashMap<>(ok);
        missing.remove("batch");
        assertTrue(message(() -> s.validate(missing)).contains("'batch' is missing"));
        Map<String, Object> offGrid = new LinkedHashMap<>(ok);
        offGrid.put("dropout", 0.25);
        assertTrue(message(() -> s.validate(offGrid)).contains("'dropout' = 0.25 is outside"));
    }

    @Test
    void badDistributionsAreRefusedWithTheReason() {
        assertTrue(message(() -> FloatDistribution.uniform(1, 1)).contains("empty range"));
        assertTrue(message(() -> FloatDistribution.uniform(2, 1)).contains("empty range"));
        assertTrue(message(() -> FloatDistribution.logUniform(0, 1)).contains("log scale needs a positive low bound, got 0.0"));
        assertTrue(message(() -> FloatDistribution.uniform(0, Double.POSITIVE_INFINITY)).contains("finite"));
        assertTrue(message(() -> new FloatDistribution(1, 2, true, 0.1)).contains("log and step cannot be combined"));
        assertTrue(message(() -> IntDistribution.uniform(5, 4)).contains("empty range"));
        assertTrue(message(() -> IntDistribution.logUniform(0, 10)).contains("log scale needs low >= 1"));
        assertTrue(message(() -> IntDistribution.stepped(0, 10, 0)).contains("step must be >= 1"));
        assertTrue(message(() -> CategoricalDistribution.of()).contains("at least one choice"));
        assertTrue(message(() -> CategoricalDistribution.of("a", "a")).contains("distinct"));
        assertTrue(message(() -> SearchSpace.builder().build()).contains("at least one parameter"));
        assertTrue(message(() -> SearchSpace.builder().floatRange("x", 0, 1).floatRange("x", 0, 2).build()).contains("declared twice"));
        assertTrue(message(() -> SearchSpace.builder().floatRange("m", 0, 1).when("opt", "sgd").build()).contains("'opt', which is not declared before it"));
        assertTrue(message(() -> SearchSpace.builder().categorical("opt", "sgd").floatRange("m", 0, 1).when("opt", "adam").build())
                .contains("condition value adam is not a value of 'opt'"));
    }

    @Test
    void steppedRangesAreShortenedToTheGridAsInOptuna() {
        FloatDistribution f = FloatDistribution.stepped(0, 1, 0.3);
        assertEquals(0.9, f.high(), 1e-12);
        assertEquals(9L, IntDistribution.stepped(1, 10, 4).high());
        assertEquals(0.3, FloatDistribution.stepped(0, 0.5, 0.1).fromUnit(0.6)); // exactly, not 0.30000000000000004
    }

    @Test
    void unitDrawsAreUniformOverIntegersAndLogUniformForLogFloats() {
        SplittableRandom rng = new SplittableRandom(7);
        IntDistribution d = IntDistribution.uniform(1, 4);
        int[] counts = new int[5];
        for (int i = 0; i < 40_000; i++) counts[(int) (long) (Long) d.fromUnit(rng.nextDouble())]++;
        for (int v = 1; v <= 4; v++) assertEquals(10_000, counts[v], 400, "value " + v);
        FloatDistribution lf = FloatDistribution.logUniform(1e-4, 1);
        int below = 0;
        for (int i = 0; i < 40_000; i++) if ((Double) lf.fromUnit(rng.nextDouble()) < 1e-2) below++;
        assertEquals(20_000, below, 500); // half the draws below the geometric middle
        for (double u : new double[] {0, 0.3, 1}) assertEquals(u, lf.toUnit(lf.fromUnit(u)), 1e-12);
    }

    @Test
    void jsonRoundTripKeepsOrderTypesAndConditions() throws Exception {
        SearchSpace s = fmnistLike();
        SearchSpace back = SpaceJson.parse(JSON.readTree(JSON.writeValueAsString(SpaceJson.toJson(s))));
        assertEquals(s, back);
        assertEquals(List.of("optimizer", "lr", "momentum", "dropout", "batch", "width_units"), back.params().stream().map(Param::name).toList());
    }

    @Test
    void spaceFilesGiveClearErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("space.json");
        Files.writeString(f, "{\"lr\": {\"type\": \"flaot\", \"low\": 0.1, \"high\": 1}}");
        assertTrue(message(() -> read(f)).contains("parameter 'lr': unknown type 'flaot' (expected float, int or categorical)"));
        Files.writeString(f, "{\"lr\": {\"type\": \"float\", \"low\": 0, \"high\": 1, \"log\": true}}");
        assertTrue(message(() -> read(f)).contains("parameter 'lr': log scale needs a positive low bound"));
        Files.writeString(f, "{\"lr\": {\"type\": \"float\", \"low\": 0.5, \"high\": 0.5}}");
        assertTrue(message(() -> read(f)).contains("empty range"));
        Files.writeString(f, "{\"lr\": {\"type\": \"float\", \"low\": 0.1, \"hi\": 1}}");
        assertTrue(message(() -> read(f)).contains("unknown key \"hi\""));
        Files.writeString(f, "{\"lr\": ");
        assertTrue(message(() -> read(f)).contains("is not valid JSON"));
        Files.writeString(f, "{}");
        assertTrue(message(() -> read(f)).contains("one member per parameter"));
        assertTrue(message(() -> read(dir.resolve("none.json"))).contains("does not exist"));
        Files.writeString(f, "{\"opt\": {\"type\": \"categorical\", \"choices\": [\"sgd\", \"adam\"]},"
                + " \"m\": {\"type\": \"float\", \"low\": 0, \"high\": 1, \"when\": {\"opt\": \"sgd\"}}, \"b\": {\"type\": \"int\", \"low\": 16, \"high\": 128, \"step\": 16}}");
        SearchSpace s = read(f);
        assertEquals(new Condition("opt", List.of("sgd")), s.param("m").condition());
        assertEquals(8, ((IntDistribution) s.param("b").distribution()).size());
    }

    private static SearchSpace read(Path f) {
        try {
            return SpaceJson.read(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
