package dev.anvil.data;

/** Loading a batch failed; the cause is what the dataset (or the loader thread) threw. */
public class DataLoaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message says which batch of which epoch failed. */
    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
