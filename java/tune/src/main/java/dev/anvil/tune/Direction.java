package dev.anvil.tune;

/** Whether a study looks for the smallest or the largest objective value. */
public enum Direction {
    MINIMIZE, MAXIMIZE;

    /** The value as a loss (smaller is better): the value itself, or its negation when maximising. */
    public double loss(double value) {
        return this == MINIMIZE ? value : -value;
    }

    /** Whether {@code a} is better than {@code b}. */
    public boolean better(double a, double b) {
        return loss(a) < loss(b);
    }

    public static Direction parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "minimize", "min" -> MINIMIZE;
            case "maximize", "max" -> MAXIMIZE;
            default -> throw new IllegalArgumentException("direction must be minimize or maximize, got '" + s + "'");
        };
    }
}
