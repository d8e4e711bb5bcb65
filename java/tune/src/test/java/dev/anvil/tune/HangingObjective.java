package dev.anvil.tune;

/** A test objective whose first trial hangs and ignores interrupts (an objective that never reports nor returns). */
public final class HangingObjective implements Objective {
    @Override
    public double evaluate(Trial t) {
        while (t.number() == 0) {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException ignored) {
                // deaf to the timeout's interrupt, on purpose
            }
        }
        return t.getDouble("x");
    }
}
