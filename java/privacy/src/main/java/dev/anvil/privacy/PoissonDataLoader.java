package dev.anvil.privacy;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.data.Dataset;
import java.nio.FloatBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Poisson sampling for DP-SGD (Opacus's {@code DPDataLoader}): every step, each sample of the data set is in
 * the batch independently with probability {@code sampleRate}, so batch sizes vary (and may be 0); an epoch is
 * {@code round(1 / sampleRate)} steps, as in Opacus. This is the sampling the accountants assume.
 *
 * <p>Batches are drawn from a generator seeded by (seed, epoch), so an epoch is reproducible and a run resumed
 * at an epoch boundary draws the batches the uninterrupted run would have; in secure mode from
 * {@link SecureRandom}. A batch's tensors belong to the loader and are valid until the next batch.
 *
 * <p>Data-parallel training ({@link Builder#shard}): every rank draws the Poisson sample of the whole data set
 * and keeps the indices i with {@code i % worldSize == rank}. Each index is then decided by exactly one rank's
 * draw, so the union of the ranks' batches is a Poisson sample of the whole data set with rate
 * {@code sampleRate}, which is what the accountant assumes; with a seed every rank draws the same sample, so the
 * union is exactly the batch a single process with that seed draws (whatever the number of ranks).
 */
public final class PoissonDataLoader implements AutoCloseable {
    /** A batch of variable size; {@code images} and {@code labels} are null when it is empty. */
    public record PrivateBatch(int size, Tensor images, Tensor labels) {}

    private final Dataset dataset;
    private final double sampleRate;
    private final int stepsPerEpoch;
    private final long seed;
    private final boolean secure;
    private final Device device;
    private final int rank, worldSize;
    private final long sampleFloats;
    private Tensor images, labels;

    private PoissonDataLoader(Builder b) {
        this.dataset = b.dataset;
        this.sampleRate = b.sampleRate;
        this.stepsPerEpoch = (int) Math.max(1, Math.round(1 / b.sampleRate));
        this.seed = b.seed;
        this.secure = b.secure;
        this.device = b.device;
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        long n = 1;
        for (long d : dataset.sampleShape()) n *= d;
        this.sampleFloats = n;
    }

    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    public double sampleRate() {
        return sampleRate;
    }

    /** sampleRate * data set size (the whole data set, over all ranks): what the gradient sum is divided by. */
    public double expectedBatchSize() {
        return sampleRate * dataset.size();
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public Dataset dataset() {
        return dataset;
    }

    /** This loader's rank among {@link #worldSize()} data-parallel ranks (0 of 1 in a single process). */
    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /** This rank's sample indices of every step of {@code epoch}, in order (for tests and inspection). */
    public List<int[]> indices(int epoch) {
        RandomGenerator r = generator(epoch);
        List<int[]> out = new ArrayList<>(stepsPerEpoch);
        for (int s = 0; s < stepsPerEpoch; s++) out.add(draw(r));
        return out;
    }

    private RandomGenerator generator(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        if (secure) return new SecureRandom();
        return new SplittableRandom(new SplittableRandom(seed ^ 0x5DEECE66DL).nextLong() + 0x9E3779B97F4A7C15L * (epoch + 1));
    }

    /** One Poisson draw: the gaps between chosen indices are geometric, so a step costs O(batch), not O(N). */
    private int[] draw(RandomGenerator r) {
        int n = dataset.size();
        int[] buf = new int[Math.max(16, (int) (2 * sampleRate * n / worldSize) + 16)];
        int k = 0;
        if (sampleRate >= 1) {
            buf = new int[(n - rank + worldSize - 1) / worldSize];
            for (int i = rank; i < n; i += worldSize) buf[k++] = i;
            return buf;
        }
        double logMiss = Math.log1p(-sampleRate);
        long i = -1;
        while (true) {
            double u = r.nextDouble();
            i += 1 + (long) Math.floor(Math.log1p(-u) / logMiss);
            if (i >= n) break;
            if (worldSize > 1 && i % worldSize != rank) continue;
            if (k == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            buf[k++] = (int) i;
        }
        return java.util.Arrays.copyOf(buf, k);
    }

    /** The batches of {@code epoch}: {@link #stepsPerEpoch()} of them. */
    public Iterable<PrivateBatch> epoch(int epoch) {
        RandomGenerator r = generator(epoch);
        return () -> new Iterator<>() {
            int step;

            @Override
            public boolean hasNext() {
                return step < stepsPerEpoch;
            }

            @Override
            public PrivateBatch next() {
                if (!hasNext()) throw new NoSuchElementException();
                step++;
                return load(draw(r));
            }
        };
    }

    private PrivateBatch load(int[] idx) {
        closeBatch();
        if (idx.length == 0) return new PrivateBatch(0, null, null);
        long[] sample = dataset.sampleShape();
        long[] shape = new long[sample.length + 1];
        shape[0] = idx.length;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        int[] y = new int[idx.length];
        Tensor hostX = Tensor.emptyUnscoped(DType.FLOAT32, shape);
        try {
            FloatBuffer fb = hostX.floatBuffer();
            for (int i = 0; i < idx.length; i++) {
                fb.position((int) (i * sampleFloats));
                dataset.read(idx[i], fb);
                y[i] = dataset.label(idx[i]);
            }
            if (device.type() == Device.Type.CPU) {
                images = hostX;
                hostX = null;
            } else {
                images = hostX.copyUnscoped(device);
            }
        } finally {
            if (hostX != null) hostX.close();
        }
        try (Tensor hy = Tensor.ofInts(y, idx.length)) {
            labels = hy.copyUnscoped(device);
        }
        return new PrivateBatch(idx.length, images, labels);
    }

    private void closeBatch() {
        if (images != null) images.close();
        if (labels != null) labels.close();
        images = null;
        labels = null;
    }

    @Override
    public void close() {
        closeBatch();
    }

    /** Options: {@link #sampleRate} (or {@link #expectedBatchSize}), seed, secure mode, device. */
    public static final class Builder {
        private final Dataset dataset;
        private double sampleRate = Double.NaN;
        private long seed = 42;
        private boolean secure;
        private Device device = Device.cpu();
        private int rank, worldSize = 1;

        private Builder(Dataset dataset) {
            if (dataset == null) throw new IllegalArgumentException("dataset is null");
            if (dataset.size() <= 0) throw new IllegalArgumentException("dataset is empty");
            this.dataset = dataset;
        }

        public Builder sampleRate(double q) {
            if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("sample rate must be in (0, 1], got " + q);
            this.sampleRate = q;
            return this;
        }

        /** Sample rate = expectedBatchSize / data set size (Opacus: batch_size / len(dataset)). */
        public Builder expectedBatchSize(int b) {
            if (b <= 0 || b > dataset.size()) {
                throw new IllegalArgumentException("expected batch size must be in [1, " + dataset.size() + "], got " + b);
            }
            this.sampleRate = (double) b / dataset.size();
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder secure(boolean on) {
            this.secure = on;
            return this;
        }

        public Builder device(Device device) {
            if (device == null) throw new IllegalArgumentException("device is null");
            this.device = device;
            return this;
        }

        /**
         * Makes this the loader of rank {@code rank} of {@code worldSize} data-parallel ranks: it keeps the samples
         * i with {@code i % worldSize == rank} of the Poisson sample of the whole data set (see the class comment).
         */
        public Builder shard(int rank, int worldSize) {
            if (worldSize < 1) throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
            if (rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
            }
            if (worldSize > dataset.size()) {
                throw new IllegalArgumentException("world size " + worldSize + " exceeds the data set's " + dataset.size() + " samples");
            }
            this.rank = rank;
            this.worldSize = worldSize;
            return this;
        }

        public PoissonDataLoader build() {
            if (Double.isNaN(sampleRate)) throw new IllegalArgumentException("set sampleRate or expectedBatchSize");
            return new PoissonDataLoader(this);
        }
    }
}
