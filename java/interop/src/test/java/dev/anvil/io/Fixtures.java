package dev.anvil.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PyTorch-made fixtures ({@code shared/fixtures} beside the checkout; the build passes the
 * folder as the system property {@code anvil.shared}). Tests that need them are skipped, with the
 * reason in the report, where they are absent.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The fixture file {@code name}, or a skipped test if the fixtures are not there. */
    public static Path file(String name) {
        String shared = System.getProperty("anvil.shared", "");
        Path dir = shared.isEmpty() ? null : Path.of(shared, "fixtures");
        assumeTrue(dir != null && Files.isRegularFile(dir.resolve(name)),
                "PyTorch fixture " + name + " not found (system property anvil.shared=" + shared + "): skipped");
        return dir.resolve(name);
    }
}
