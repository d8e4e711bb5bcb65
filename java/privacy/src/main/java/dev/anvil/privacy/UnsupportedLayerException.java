package dev.anvil.privacy;

/** A model holds a layer that per-sample clipping cannot handle (it mixes samples, or is unknown); thrown before training. */
public final class UnsupportedLayerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedLayerException(String message) {
        super(message);
    }
}
