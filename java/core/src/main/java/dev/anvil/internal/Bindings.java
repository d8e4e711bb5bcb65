package dev.anvil.internal;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * Picks the {@link Binding} at start from the system property {@code anvil.binding}: "jni" (JavaCPP,
 * always available), "ffm" (java.lang.foreign: JDK 22+ and an anvil-core built on JDK 22+), or
 * unset: ffm where it is available, else jni.
 */
public final class Bindings {
    /** The system property that selects the binding. */
    public static final String PROPERTY = "anvil.binding";
    /** The first JDK whose java.lang.foreign is final. */
    static final int FFM_MIN_JDK = 22;
    private static final String FFM_CLASS = "FfmBinding";

    private Bindings() {}

    /** Whether the FFM binding can run in this JVM. */
    public static boolean ffmAvailable() {
        return Runtime.version().feature() >= FFM_MIN_JDK && ffmCompiledIn();
    }

    /**
     * Whether this anvil-core carries the FFM binding and the FFM classes it calls (anvil-ffm) are
     * on the class path; checked without loading either.
     */
    private static boolean ffmCompiledIn() {
        return Bindings.class.getResource(FFM_CLASS + ".class") != null
                && Bindings.class.getResource("/dev/anvil/ffm/anvil_h.class") != null;
    }

    /** The binding the property asks for; fails, saying why, where it cannot run. */
    static Binding select() {
        String requested = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        switch (requested) {
            case "":
                return ffmAvailable() ? ffm() : new JniBinding();
            case "jni":
                return new JniBinding();
            case "ffm":
                if (Runtime.version().feature() < FFM_MIN_JDK) {
                    throw new IllegalStateException("-D" + PROPERTY + "=ffm needs JDK " + FFM_MIN_JDK
                            + " or newer, but this is JDK " + Runtime.version() + "; use -D" + PROPERTY + "=jni");
                }
                if (!ffmCompiledIn()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=ffm: this anvil-core was built without the FFM"
                            + " binding, or anvil-ffm is not on the class path (both come with a build on JDK "
                            + FFM_MIN_JDK + "+); use -D"
                            + PROPERTY + "=jni");
                }
                return ffm();
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + requested + ": expected jni or ffm");
        }
    }

    private static Binding ffm() {
        try {
            return (Binding) Class.forName(Bindings.class.getPackageName() + "." + FFM_CLASS)
                    .getDeclaredConstructor().newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) throw (RuntimeException) cause;
            if (cause instanceof Error) throw (Error) cause;
            throw new IllegalStateException("cannot start the FFM binding", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the FFM binding", e);
        }
    }
}
