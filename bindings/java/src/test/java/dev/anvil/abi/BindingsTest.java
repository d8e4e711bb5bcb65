package dev.anvil.abi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** How {@link Bindings} refuses what it cannot serve. */
class BindingsTest {
    @Test
    void ffmOnAnOldJdkIsAClearError() {
        assumeTrue(Runtime.version().feature() < Bindings.FFM_MIN_JDK, "JDK 22+ runs the FFM binding");
        Exception e = withProperty("ffm", () -> assertThrows(IllegalStateException.class, Bindings::select));
        assertTrue(e.getMessage().contains("needs JDK 22 or newer") && e.getMessage().contains("anvil.binding=jni"),
                e.getMessage());
    }

    @Test
    void unknownNamesAreRefused() {
        Exception e = withProperty("jna", () -> assertThrows(IllegalArgumentException.class, Bindings::select));
        assertTrue(e.getMessage().contains("expected jni or ffm"), e.getMessage());
    }

    /** Runs {@code body} with -Danvil.binding set to {@code value}, then restores the property. */
    private static <T> T withProperty(String value, Supplier<T> body) {
        String saved = System.getProperty(Bindings.PROPERTY);
        System.setProperty(Bindings.PROPERTY, value);
        try {
            return body.get();
        } finally {
            if (saved == null) System.clearProperty(Bindings.PROPERTY);
            else System.setProperty(Bindings.PROPERTY, saved);
        }
    }
}
