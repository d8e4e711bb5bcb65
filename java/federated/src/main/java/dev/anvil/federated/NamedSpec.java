package dev.anvil.federated;

import java.util.Locale;
import java.util.Objects;

/**
 * A command-line choice of the form {@code kind} or {@code kind:argument} ("dirichlet:0.3",
 * "fedprox:0.01"), lower-cased, as the parsers of partitioners and strategies read it.
 *
 * @param what what is being chosen, for messages ("partition", "strategy")
 */
public record NamedSpec(String what, String text, String kind, String arg) {
    public static NamedSpec parse(String what, String spec) {
        Objects.requireNonNull(spec, what);
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        return new NamedSpec(what, spec, colon < 0 ? s : s.substring(0, colon), colon < 0 ? null : s.substring(colon + 1));
    }

    public boolean hasArg() {
        return arg != null;
    }

    /** The argument as a number, or {@code otherwise} without one. */
    public double number(double otherwise) {
        if (arg == null) return otherwise;
        try {
            return Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "': bad number " + arg, e);
        }
    }

    /** The failure for a spec that names nothing known, listing the accepted forms. */
    public IllegalArgumentException unknown(String accepted) {
        return new IllegalArgumentException(what + " '" + text + "': expected " + accepted);
    }
}
