package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anvil.abi.Bindings;
import org.junit.jupiter.api.Test;

/** The test JVM runs on the binding that -Danvil.binding asked for (Maven passes it through). */
class BindingTest {
    private static final String REQUESTED = System.getProperty(Bindings.PROPERTY, "").trim();

    @Test
    void runsOnTheRequestedBinding() {
        assumeFalse(REQUESTED.isEmpty(), "no -Danvil.binding given");
        assertEquals(REQUESTED, Anvil.binding());
    }

    @Test
    void defaultsToFfmWhereAvailable() {
        assumeTrue(REQUESTED.isEmpty(), "-Danvil.binding given");
        assertEquals(Bindings.ffmAvailable() ? "ffm" : "jni", Anvil.binding());
    }
}
