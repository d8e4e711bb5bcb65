package dev.anvil;

/**
 * A failure reported by Anvil's native library: the native call returned an error status.
 * The message names the operation and the values it refused. Argument problems that Java can
 * see are reported earlier, as {@link IllegalArgumentException} or {@link IllegalStateException}.
 */
public class AnvilException extends RuntimeException {
    private final Status status;

    /** The native status codes of {@code anvil.h}. */
    public enum Status {
        OK, INVALID_ARGUMENT, OUT_OF_MEMORY, UNSUPPORTED, INTERNAL, PLUGIN, TIMEOUT, UNKNOWN;

        public static Status of(int code) {
            return code >= 0 && code < UNKNOWN.ordinal() ? values()[code] : UNKNOWN;
        }
    }

    public AnvilException(Status status, String message) {
        super(message);
        this.status = status;
    }

    public Status status() {
        return status;
    }
}
