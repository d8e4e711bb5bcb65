package dev.anvil.cli;

/**
 * A fault on purpose, for testing recovery: with the system properties {@code anvil.fault.rank=R}
 * and {@code anvil.fault.afterSteps=N}, rank R fails after N training steps of its run.
 * {@code anvil launch} passes its {@code anvil.*} properties on to the workers.
 */
final class FaultInjection {
    private FaultInjection() {}

    /** Throws if this rank is asked to fail once {@code steps} steps are done. */
    static void check(int rank, long steps) {
        String r = System.getProperty("anvil.fault.rank");
        if (r == null || Integer.parseInt(r) != rank) return;
        long after = Long.parseLong(System.getProperty("anvil.fault.afterSteps", "0"));
        if (steps >= after) {
            throw new IllegalStateException("rank " + rank + " fails after " + steps + " steps as asked by anvil.fault.rank");
        }
    }
}
