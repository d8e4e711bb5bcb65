package dev.anvil.tune;

import java.util.Map;

/** A test objective for worker processes: sleeps (option "sleep-ms"), reports twice, returns a bowl's value. */
public final class SlowBowl implements Objective {
    private final long sleepMs;

    public SlowBowl(Map<String, String> options) {
        this.sleepMs = Long.parseLong(options.getOrDefault("sleep-ms", "100"));
    }

    @Override
    public double evaluate(Trial t) throws InterruptedException {
        double v = Math.pow(t.getDouble("x") - 1, 2) + (t.getString("c").equals("a") ? 0 : 1);
        Thread.sleep(sleepMs / 2);
        t.report(1, v + 1);
        Thread.sleep(sleepMs / 2);
        t.report(2, v);
        return v;
    }
}
