package dev.anvil.privacy;

import java.util.ArrayList;
import java.util.List;

/**
 * What every accountant keeps: its step history, consecutive steps with equal settings merged
 * into one entry. Subclasses compute the privacy spent from {@link #history()}.
 */
abstract class StepHistory implements PrivacyAccountant {
    private final List<Entry> entries = new ArrayList<>();

    @Override
    public final void step(double noiseMultiplier, double sampleRate, long steps) {
        PrivacyAccountant.checkNoiseMultiplier(noiseMultiplier);
        PrivacyAccountant.checkSampleRate(sampleRate);
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        if (steps == 0) return;
        if (!entries.isEmpty()) {
            Entry last = entries.get(entries.size() - 1);
            if (last.noiseMultiplier() == noiseMultiplier && last.sampleRate() == sampleRate) {
                entries.set(entries.size() - 1, new Entry(noiseMultiplier, sampleRate, last.steps() + steps));
                return;
            }
        }
        entries.add(new Entry(noiseMultiplier, sampleRate, steps));
    }

    @Override
    public final List<Entry> history() {
        return List.copyOf(entries);
    }

    @Override
    public final void setHistory(List<Entry> history) {
        if (history == null) throw new IllegalArgumentException("history is null");
        entries.clear();
        for (Entry e : history) step(e.noiseMultiplier(), e.sampleRate(), e.steps());
    }
}
