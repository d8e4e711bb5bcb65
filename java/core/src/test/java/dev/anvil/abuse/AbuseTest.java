package dev.anvil.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each misuse of {@link AbuseScenarios} in a JVM of its own, so that a crash fails this test
 * instead of the test run: the child must exit 0, print "ok", and leave no hs_err file.
 */
class AbuseTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("anvil.examplesDir", "bindings/java/target/cmake/examples"));

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"one-model-two-threads", "close-races-fill", "close-model-while-training", "truncated-plugin"})
    void misuseGivesExceptionsNotCrashes(String scenario) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-Danvil.binding=" + System.getProperty("anvil.binding", ""), "-cp", System.getProperty("java.class.path"),
                AbuseScenarios.class.getName(), scenario, EXAMPLES.resolve("libanvil_leaky_relu.so").toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), scenario + " did not finish:\n" + out);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> crashes = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
            assertEquals(List.of(), crashes, scenario + " crashed the JVM:\n" + out + read(crashes));
        }
        assertEquals(0, p.exitValue(), scenario + ":\n" + out);
        assertTrue(out.contains("ok " + scenario), out);
    }

    private static String read(List<Path> files) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path f : files) sb.append(Files.readString(f), 0, (int) Math.min(4000, Files.size(f)));
        return sb.toString();
    }
}
