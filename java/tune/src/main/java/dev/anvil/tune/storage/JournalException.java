package dev.anvil.tune.storage;

/** A journal that cannot be used: corrupt, of another study, or of a different search space. */
public class JournalException extends RuntimeException {
    public JournalException(String message) {
        super(message);
    }
}
