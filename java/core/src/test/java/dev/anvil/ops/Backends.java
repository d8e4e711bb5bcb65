package dev.anvil.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anvil.Device;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The devices every op test runs on. A device is named here, not constructed, so that a backend
 * this build or machine lacks is listed, and then skipped visibly by {@link #use}, instead of
 * failing while the test parameters are built.
 */
final class Backends {
    /** The CUDA cases skip, with the reason, where CUDA is unusable. */
    private static final List<String> NAMES = List.of("cpu", "cuda:0");

    private Backends() {}

    static Stream<String> names() {
        return NAMES.stream();
    }

    /** Every backend name paired with every case: arguments (String backend, T case). */
    static Stream<Arguments> cross(List<?> cases) {
        return names().flatMap(b -> cases.stream().map(c -> Arguments.of(b, c)));
    }

    /** The device named {@code name}; aborts the test (reported as skipped, with the reason) if unusable. */
    static Device use(String name) {
        if (name.startsWith("cuda")) {
            String reason = Device.cudaUnavailableReason();
            assumeTrue(reason == null, () -> name + " skipped: " + reason);
        }
        return Device.parse(name);
    }
}
