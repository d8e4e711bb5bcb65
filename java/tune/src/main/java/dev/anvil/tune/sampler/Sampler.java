package dev.anvil.tune.sampler;

/**
 * Chooses the parameters of the next trial. A sampler's choice is a function of the context (the
 * space, every trial so far, the study's seed and the new trial's number), so a resumed study, or
 * another worker replaying the same journal, makes the same choices: no sampler state needs saving.
 * Samplers may cache what they derive from the history; {@link #sample} is never called
 * concurrently on one instance by a study (it runs under the journal's lock).
 */
public interface Sampler {
    Suggestion sample(SamplingContext context);

    /** Name recorded in the journal, e.g. "tpe". */
    String name();
}
