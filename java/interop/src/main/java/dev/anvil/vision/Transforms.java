package dev.anvil.vision;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The image transforms of torchvision, on {@link Image}s (CHW floats), under torchvision's names
 * and with its conventions: {@link #resize}, {@link #centerCrop}, {@link #randomCrop} with
 * padding, {@link #randomHorizontalFlip}, {@link #randomResizedCrop}, {@link #normalize}, and
 * {@link #compose} to chain them. (Decoding to [0, 1], torchvision's {@code ToTensor}, is
 * {@link Images#read}.)
 */
public final class Transforms {
    private Transforms() {}

    /** Applies {@code transforms} in order; the random ones draw from the same generator in turn. */
    public static Transform compose(Transform... transforms) {
        List<Transform> list = List.of(transforms); // throws on null elements
        return new Transform() {
            @Override
            public Image apply(Image image, SplittableRandom rng) {
                Image out = image;
                for (Transform t : list) out = t.apply(out, rng);
                return out;
            }

            @Override
            public long[] outputShape(long[] in) {
                long[] s = in;
                for (Transform t : list) s = t.outputShape(s);
                return s;
            }

            @Override
            public String toString() {
                return "Compose" + list;
            }
        };
    }

    /** Keeps the image as it is. */
    public static Transform identity() {
        return compose();
    }

    /**
     * Bilinear resampling to {@code height x width}, as PyTorch's
     * {@code interpolate(mode="bilinear", align_corners=False)} without antialiasing: output pixel
     * centres map to input coordinates {@code (i + 0.5) * in / out - 0.5}, clamped at 0.
     */
    public static Transform resize(int height, int width) {
        return new Sized("Resize", height, width) {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                return resample(im, 0, 0, im.height(), im.width(), height, width);
            }

            @Override
            public long[] outputShape(long[] in) {
                return new long[] {in[0], height, width};
            }
        };
    }

    /**
     * The centre {@code height x width} of the image, with torchvision's offsets
     * ({@code round((H - height) / 2)}, rounding halves to even as Python does).
     */
    public static Transform centerCrop(int height, int width) {
        return new Sized("CenterCrop", height, width) {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                fits(im.height(), im.width());
                int top = (int) Math.rint((im.height() - height) / 2.0), left = (int) Math.rint((im.width() - width) / 2.0);
                return crop(im, top, left, height, width, 0);
            }
        };
    }

    /**
     * A {@code height x width} crop at a uniformly random position of the image padded by
     * {@code padding} zero pixels on every side (torchvision's {@code RandomCrop(size, padding)}).
     */
    public static Transform randomCrop(int height, int width, int padding) {
        if (padding < 0) throw new IllegalArgumentException("padding must not be negative, got " + padding);
        return new Sized("RandomCrop", height, width) {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                int ph = im.height() + 2 * padding, pw = im.width() + 2 * padding;
                fits(ph, pw);
                int top = rng.nextInt(ph - height + 1), left = rng.nextInt(pw - width + 1);
                return crop(im, top - padding, left - padding, height, width, 0f);
            }

            @Override
            public long[] outputShape(long[] in) {
                fits(in[1] + 2L * padding, in[2] + 2L * padding);
                return new long[] {in[0], height, width};
            }
        };
    }

    /** Mirrors the image left to right with probability {@code p}. */
    public static Transform randomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        return new Transform() {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                if (!(rng.nextDouble() < p)) return im;
                int w = im.width();
                float[] src = im.data(), out = new float[src.length];
                for (int row = 0; row < im.channels() * im.height(); row++) {
                    int base = row * w;
                    for (int x = 0; x < w; x++) out[base + x] = src[base + w - 1 - x];
                }
                return new Image(out, im.channels(), im.height(), w);
            }

            @Override
            public String toString() {
                return "RandomHorizontalFlip(p=" + p + ")";
            }
        };
    }

    /**
     * torchvision's {@code RandomResizedCrop}: a crop of a random area fraction in
     * {@code [minScale, maxScale]} of the image and a random aspect ratio, log-uniform in
     * {@code [minRatio, maxRatio]}, resized (bilinear) to {@code height x width}; after ten failed
     * draws, the central crop of the largest area within the ratio bounds. torchvision's defaults
     * are scale (0.08, 1) and ratio (3/4, 4/3).
     */
    public static Transform randomResizedCrop(int height, int width, double minScale, double maxScale, double minRatio, double maxRatio) {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("scale must satisfy 0 < min <= max <= 1, got (" + minScale + ", " + maxScale + ")");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
            throw new IllegalArgumentException("ratio must satisfy 0 < min <= max, got (" + minRatio + ", " + maxRatio + ")");
        }
        return new Sized("RandomResizedCrop", height, width) {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                int ih = im.height(), iw = im.width();
                double area = (double) ih * iw, logLo = Math.log(minRatio), logHi = Math.log(maxRatio);
                for (int attempt = 0; attempt < 10; attempt++) {
                    double target = area * (minScale + rng.nextDouble() * (maxScale - minScale));
                    double aspect = Math.exp(logLo + rng.nextDouble() * (logHi - logLo));
                    int w = (int) Math.round(Math.sqrt(target * aspect)), h = (int) Math.round(Math.sqrt(target / aspect));
                    if (w > 0 && w <= iw && h > 0 && h <= ih) {
                        int top = rng.nextInt(ih - h + 1), left = rng.nextInt(iw - w + 1);
                        return resample(im, top, left, h, w, height, width);
                    }
                }
                double ratio = (double) iw / ih;
                int w = iw, h = ih;
                if (ratio < minRatio) {
                    h = (int) Math.round(w / minRatio);
                } else if (ratio > maxRatio) {
                    w = (int) Math.round(h * maxRatio);
                }
                return resample(im, (ih - h) / 2, (iw - w) / 2, h, w, height, width);
            }

            @Override
            public long[] outputShape(long[] in) {
                return new long[] {in[0], height, width};
            }
        };
    }

    /**
     * {@code (x - mean[c]) / std[c]} per channel; one value of each applies to every channel.
     * {@link ImageFolder#meanStd} computes them for a data set.
     */
    public static Transform normalize(float[] mean, float[] std) {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalize needs as many means as standard deviations (at least one), got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) throw new IllegalArgumentException("standard deviations must be positive, got " + Arrays.toString(std));
        }
        float[] m = mean.clone(), s = std.clone();
        return new Transform() {
            @Override
            public Image apply(Image im, SplittableRandom rng) {
                check(im.channels());
                int plane = im.height() * im.width();
                float[] src = im.data(), out = new float[src.length];
                for (int c = 0; c < im.channels(); c++) {
                    float mc = m[m.length == 1 ? 0 : c], inv = 1f / s[s.length == 1 ? 0 : c];
                    for (int i = c * plane; i < (c + 1) * plane; i++) out[i] = (src[i] - mc) * inv;
                }
                return new Image(out, im.channels(), im.height(), im.width());
            }

            @Override
            public long[] outputShape(long[] in) {
                check(in[0]);
                return in.clone();
            }

            private void check(long channels) {
                if (m.length != 1 && m.length != channels) {
                    throw new IllegalArgumentException("normalize has " + m.length + " means for a " + channels + "-channel image");
                }
            }

            @Override
            public String toString() {
                return "Normalize(mean=" + Arrays.toString(m) + ", std=" + Arrays.toString(s) + ")";
            }
        };
    }

    /** A transform with a fixed output size (crops and resizes). */
    private abstract static class Sized implements Transform {
        private final String name;
        final int height;
        final int width;

        Sized(String name, int height, int width) {
            positive(name + " height", height);
            positive(name + " width", width);
            this.name = name;
            this.height = height;
            this.width = width;
        }

        void fits(long h, long w) {
            if (h < height || w < width) {
                throw new IllegalArgumentException(name + ": a " + height + "x" + width + " crop does not fit in a " + h + "x" + w
                        + " image (resize it first)");
            }
        }

        @Override
        public long[] outputShape(long[] in) {
            fits(in[1], in[2]);
            return new long[] {in[0], height, width};
        }

        @Override
        public String toString() {
            return name + "(" + height + "x" + width + ")";
        }
    }

    /** The {@code h x w} window at ({@code top}, {@code left}), which may reach outside the image: those pixels are {@code fill}. */
    static Image crop(Image im, int top, int left, int h, int w, float fill) {
        float[] src = im.data(), out = new float[im.channels() * h * w];
        for (int c = 0; c < im.channels(); c++) {
            for (int y = 0; y < h; y++) {
                int sy = top + y;
                for (int x = 0; x < w; x++) {
                    int sx = left + x;
                    boolean inside = sy >= 0 && sy < im.height() && sx >= 0 && sx < im.width();
                    out[(c * h + y) * w + x] = inside ? src[(c * im.height() + sy) * im.width() + sx] : fill;
                }
            }
        }
        return new Image(out, im.channels(), h, w);
    }

    /** Bilinear resampling (align_corners=False) of the {@code h x w} window at (top, left) to {@code oh x ow}. */
    static Image resample(Image im, int top, int left, int h, int w, int oh, int ow) {
        int[] y0 = new int[oh], y1 = new int[oh], x0 = new int[ow], x1 = new int[ow];
        float[] ly = new float[oh], lx = new float[ow];
        sourceIndices(h, oh, y0, y1, ly);
        sourceIndices(w, ow, x0, x1, lx);
        float[] src = im.data(), out = new float[im.channels() * oh * ow];
        int iw = im.width();
        for (int c = 0; c < im.channels(); c++) {
            int base = c * im.height() * iw;
            for (int y = 0; y < oh; y++) {
                int r0 = base + (top + y0[y]) * iw + left, r1 = base + (top + y1[y]) * iw + left;
                float wy = ly[y];
                for (int x = 0; x < ow; x++) {
                    float wx = lx[x];
                    float a = src[r0 + x0[x]] * (1 - wx) + src[r0 + x1[x]] * wx;
                    float b = src[r1 + x0[x]] * (1 - wx) + src[r1 + x1[x]] * wx;
                    out[(c * oh + y) * ow + x] = a * (1 - wy) + b * wy;
                }
            }
        }
        return new Image(out, im.channels(), oh, ow);
    }

    private static void sourceIndices(int in, int out, int[] i0, int[] i1, float[] lambda) {
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float s = Math.max(0f, (i + 0.5f) * scale - 0.5f);
            int lo = Math.min((int) s, in - 1);
            i0[i] = lo;
            i1[i] = Math.min(lo + 1, in - 1);
            lambda[i] = s - lo;
        }
    }

    private static void positive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
}
