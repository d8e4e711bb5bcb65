package dev.anvil.io;

import java.io.IOException;

/** A checkpoint file that cannot be used: corrupt, truncated, or for another model. */
public class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }
}
