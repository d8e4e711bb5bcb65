package dev.anvil.abi;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * Picks the binding from the system property {@code anvil.binding}: "jni" (every JDK), "ffm"
 * (java.lang.foreign: JDK 22+, and a jar built on JDK 22+), or unset: ffm where it can run, else jni.
 */
public final class Bindings {
    /** The system property that selects the binding. */
    public static final String PROPERTY = "anvil.binding";
    /** The first JDK whose java.lang.foreign is final. */
    public static final int FFM_MIN_JDK = 22;
    private static final String FFM_CLASS = Bindings.class.getPackageName() + ".FfmAbi";

    private Bindings() {}

    /** Whether the FFM binding can run in this JVM (checked without loading it). */
    public static boolean ffmAvailable() {
        return Runtime.version().feature() >= FFM_MIN_JDK && Bindings.class.getResource("FfmAbi.class") != null;
    }

    /** The binding the property asks for; fails, saying why, where it cannot run. */
    public static Abi select() {
        String requested = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        switch (requested) {
            case "":
                return ffmAvailable() ? ffm() : new JniAbi();
            case "jni":
                return new JniAbi();
            case "ffm":
                if (Runtime.version().feature() < FFM_MIN_JDK) {
                    throw new IllegalStateException("-D" + PROPERTY + "=ffm needs JDK " + FFM_MIN_JDK + " or newer, but this is JDK "
                            + Runtime.version() + "; use -D" + PROPERTY + "=jni");
                }
                if (!ffmAvailable()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=ffm: this anvil-native jar was built without the FFM"
                            + " binding (it comes with a build on JDK " + FFM_MIN_JDK + "+); use -D" + PROPERTY + "=jni");
                }
                return ffm();
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + requested + ": expected jni or ffm");
        }
    }

    private static Abi ffm() {
        try {
            return (Abi) Class.forName(FFM_CLASS).getDeclaredConstructor().newInstance();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException("cannot start the FFM binding", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the FFM binding", e);
        }
    }
}
