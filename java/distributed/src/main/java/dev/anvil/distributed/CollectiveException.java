package dev.anvil.distributed;

/**
 * A collective operation that could not complete: a peer did not arrive within the group's
 * timeout, a peer failed or left the group, or the ranks called it with inconsistent arguments.
 * The message names this rank, the operation, its sequence number in the group, its size in
 * bytes and, where relevant, the ranks that did not arrive.
 */
public class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
