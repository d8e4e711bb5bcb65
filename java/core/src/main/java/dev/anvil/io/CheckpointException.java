package dev.anvil.io;

import java.nio.file.Path;

/** A checkpoint file that cannot be used: corrupt, truncated, or for another model. */
public class CheckpointException extends FileFormatException {
    public CheckpointException(String message) {
        super(null, null, message);
    }

    public CheckpointException(Path file, String field, String message) {
        super(file, field, message);
    }
}
