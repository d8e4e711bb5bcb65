package dev.anvil.data;

import java.io.IOException;

/** The files of a dataset are not where they were looked for; the message says how to get them. */
public class DatasetNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message naming the missing files, their folder and how to install them. */
    public DatasetNotFoundException(String message) {
        super(message);
    }
}
