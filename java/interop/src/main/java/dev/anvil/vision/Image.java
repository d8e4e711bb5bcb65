package dev.anvil.vision;

import java.util.Arrays;
import java.util.Objects;

/**
 * An image as float pixels in channel-major (CHW) order, the layout of one sample of a batch:
 * what {@link Images} decodes (values in [0, 1]) and what {@link Transform}s map.
 */
public record Image(float[] data, int channels, int height, int width) {
    public Image {
        Objects.requireNonNull(data, "data");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + channels + "x" + height + "x" + width);
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("a " + channels + "x" + height + "x" + width + " image has "
                    + (long) channels * height * width + " values, got " + data.length);
        }
    }

    /** An image of zeros. */
    public static Image zeros(int channels, int height, int width) {
        return new Image(new float[Math.multiplyExact(Math.multiplyExact(channels, height), width)], channels, height, width);
    }

    /** The pixel at channel {@code c}, row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** {@code {channels, height, width}}. */
    public long[] shape() {
        return new long[] {channels, height, width};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.channels == channels && i.height == height && i.width == width && Arrays.equals(i.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + Arrays.hashCode(shape());
    }

    @Override
    public String toString() {
        return "Image(" + channels + "x" + height + "x" + width + ")";
    }
}
