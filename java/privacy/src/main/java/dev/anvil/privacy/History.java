package dev.anvil.privacy;

import java.util.ArrayList;
import java.util.List;

/** The step history of an accountant, consecutive steps with equal settings merged into one entry. */
final class History {
    private final List<PrivacyAccountant.Entry> entries = new ArrayList<>();

    void add(double noiseMultiplier, double sampleRate, long steps) {
        PrivacyAccountant.checkNoiseMultiplier(noiseMultiplier);
        PrivacyAccountant.checkSampleRate(sampleRate);
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        if (steps == 0) return;
        if (!entries.isEmpty()) {
            PrivacyAccountant.Entry last = entries.get(entries.size() - 1);
            if (last.noiseMultiplier() == noiseMultiplier && last.sampleRate() == sampleRate) {
                entries.set(entries.size() - 1, new PrivacyAccountant.Entry(noiseMultiplier, sampleRate, last.steps() + steps));
                return;
            }
        }
        entries.add(new PrivacyAccountant.Entry(noiseMultiplier, sampleRate, steps));
    }

    List<PrivacyAccountant.Entry> entries() {
        return List.copyOf(entries);
    }

    void set(List<PrivacyAccountant.Entry> history) {
        if (history == null) throw new IllegalArgumentException("history is null");
        entries.clear();
        for (PrivacyAccountant.Entry e : history) add(e.noiseMultiplier(), e.sampleRate(), e.steps());
    }
}
