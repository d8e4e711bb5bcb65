package dev.anvil.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that cannot be read as what it claims to be: corrupt, truncated, or declaring sizes that
 * it cannot hold. Names the file and the field at fault; readers of such files check every size
 * against what the file holds before they allocate, with exact arithmetic.
 */
public class FileFormatException extends IOException {
    private final transient Path file;
    private final String field;

    /** {@code file} and {@code field} may be null where no file or no single field is at fault. */
    public FileFormatException(Path file, String field, String message) {
        super(message);
        this.file = file;
        this.field = field;
    }

    /** The file, or null. */
    public Path file() {
        return file;
    }

    /** The field at fault ("dimensions", "tensor fc1.weight"), or null. */
    public String field() {
        return field;
    }
}
