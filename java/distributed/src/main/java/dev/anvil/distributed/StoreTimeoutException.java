package dev.anvil.distributed;

/** A {@link TcpStore} key that was not set in time; the message names the key and the store's address. */
public class StoreTimeoutException extends RuntimeException {
    public StoreTimeoutException(String message) {
        super(message);
    }
}
