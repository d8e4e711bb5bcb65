package dev.anvil.data;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.internal.Native;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches of a {@link Dataset}, one epoch per {@link #iterator()} call:
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build()) {
 *     for (int e = 0; e < epochs; e++) {
 *         for (Batch b : loader) { ... b.images(), b.labels() ... }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Order.</b> Each {@code iterator()} call runs the loader's current epoch and then advances
 * the epoch counter ({@link #setEpoch} sets it). With shuffling, the order of an epoch is a pure
 * function of the seed and the epoch number, so runs are reproducible and a resumed run can
 * continue with the same order; without, samples come in index order.
 *
 * <p><b>Memory.</b> Batches live in a fixed ring of native tensors allocated once: {@code
 * prefetch + 1} full batches, plus one smaller batch for the last, partial batch of an epoch when
 * {@code dropLast} is false. A batch is valid until the next {@code next()} call on its iterator;
 * then it goes back to the ring. {@link #close()} frees them all.
 *
 * <p><b>Device.</b> With {@code device(Device.cuda(i))} batches are on that GPU: samples are
 * written into page-locked host memory and copied to the device on a second stream, so the copy
 * of the next batch overlaps the training step on the current one. Before a batch goes back to
 * the ring, {@code next()} waits for the device's queued work, which may still read it.
 *
 * <p><b>Threads.</b> With {@code prefetch > 0} a daemon thread named {@value #THREAD_NAME} fills
 * up to {@code prefetch} batches ahead of the consumer, blocking (not spinning) when the ring is
 * full; with {@code prefetch == 0} batches are filled on the caller's thread inside {@code next()}.
 * An exception from the dataset reaches the consumer's {@code next()} as a {@link
 * DataLoaderException}. With {@code workers(n)}, n more threads read the samples of each batch in
 * parallel. Starting a new iteration before the previous one finished stops the
 * previous one; its iterator then refuses to continue. A loader serves one consumer thread.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {
    /** Name of the background thread that fills batches. */
    public static final String THREAD_NAME = "anvil-data-loader";

    /** Name prefix of the threads that read samples in parallel ({@link Builder#workers}). */
    public static final String WORKER_THREAD_NAME = "anvil-data-worker";

    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int prefetch;
    private final int workers;
    private ExecutorService workerPool; // decodes the samples of a batch in parallel when workers > 1; made on first use
    private final Device device;
    private final int numBatches;
    private final int sampleFloats;
    private final List<Batch> fullBatches = new ArrayList<>();
    private final Batch lastBatch; // the partial last batch of an epoch, or null when there is none
    private final BlockingQueue<Batch> freeFull = new LinkedBlockingQueue<>();
    private final BlockingQueue<Batch> freeLast = new LinkedBlockingQueue<>();
    private final BlockingQueue<Filled> ready = new LinkedBlockingQueue<>();
    private int epoch;
    private EpochIterator current;
    private boolean closed;

    /** A filled batch, or the failure that stopped the producer. */
    private record Filled(Batch batch, DataLoaderException failure) {}

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.workers = b.workers > 0 ? b.workers
                : b.dataset.decodesSamples() ? Math.max(1, Runtime.getRuntime().availableProcessors() - Anvil.numThreads()) : 1;
        this.device = b.device;
        long[] sampleShape = dataset.sampleShape();
        long floats = 1;
        for (long d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException("dataset " + dataset + " has sample shape " + Arrays.toString(sampleShape));
            floats *= d;
            if (floats * batchSize > Integer.MAX_VALUE / Float.BYTES) {
                throw new IllegalArgumentException("a batch of " + batchSize + " samples of shape "
                        + Arrays.toString(sampleShape) + " does not fit in one tensor buffer; use a smaller batch size");
            }
        }
        this.sampleFloats = (int) floats;
        int full = dataset.size() / batchSize;
        int rest = dataset.size() % batchSize;
        this.numBatches = full + (dropLast || rest == 0 ? 0 : 1);
        try {
            for (int i = 0; i < Math.min(prefetch + 1, full); i++) fullBatches.add(new Batch(batchSize, sampleShape, device));
            this.lastBatch = dropLast || rest == 0 ? null : new Batch(rest, sampleShape, device);
        } catch (RuntimeException e) {
            fullBatches.forEach(Batch::free);
            throw e;
        }
        refillRing();
    }

    /** A builder for a loader over {@code dataset}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(Objects.requireNonNull(dataset, "dataset"));
    }

    /** Number of batches in one epoch. */
    public int numBatches() {
        return numBatches;
    }

    /** The threads that read the samples of a batch (1: the filling thread itself). */
    public int workers() {
        return workers;
    }

    /** Samples per full batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The device the batches are on. */
    public Device device() {
        return device;
    }

    /** The dataset batches are drawn from. */
    public Dataset dataset() {
        return dataset;
    }

    /** The epoch the next {@link #iterator()} call will run. */
    public int epoch() {
        return epoch;
    }

    /** Sets the epoch the next {@link #iterator()} call will run, e.g. to resume a run. */
    public void setEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        this.epoch = epoch;
    }

    /**
     * Starts the next epoch, stopping an iteration still in progress (whose last batch is then
     * no longer valid), and advances the epoch counter.
     *
     * @throws IllegalStateException if the loader is closed
     */
    @Override
    public Iterator<Batch> iterator() {
        if (closed) throw new IllegalStateException("DataLoader is closed");
        stopCurrent();
        current = new EpochIterator(epoch);
        epoch++;
        return current;
    }

    /** Stops the loader thread and frees every batch; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopCurrent();
        synchronized (this) {
            if (workerPool != null) workerPool.shutdownNow();
        }
        fullBatches.forEach(Batch::free);
        if (lastBatch != null) lastBatch.free();
    }

    /** Sample indices of an epoch in the order they are served. */
    static int[] order(int size, boolean shuffle, long seed, int epoch) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) order[i] = i;
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1L)));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    private void stopCurrent() {
        if (current == null) return;
        current.stop();
        Native.synchronize(device); // the device may still read the batch the consumer held
        current = null;
        refillRing();
    }

    /** Returns every batch to the free lists; only while no producer runs. */
    private void refillRing() {
        ready.clear();
        freeFull.clear();
        freeFull.addAll(fullBatches);
        freeLast.clear();
        if (lastBatch != null) freeLast.add(lastBatch);
    }

    private void release(Batch batch) {
        (batch == lastBatch ? freeLast : freeFull).add(batch);
    }

    /** Takes a free batch for batch number {@code index} of an epoch and fills it. */
    private Batch fill(int[] order, int index) throws InterruptedException {
        int start = index * batchSize;
        Batch batch = (Math.min(batchSize, order.length - start) == batchSize ? freeFull : freeLast).take();
        FloatBuffer images = batch.hostImages().floatBuffer();
        IntBuffer labels = batch.hostLabels().intBuffer();
        if (workers > 1 && batch.size() > 1) {
            readInParallel(order, start, batch.size(), images);
            for (int i = 0; i < batch.size(); i++) labels.put(checkedLabel(order[start + i]));
            batch.upload();
            return batch;
        }
        for (int i = 0; i < batch.size(); i++) {
            int sample = order[start + i];
            int before = images.position();
            dataset.read(sample, images);
            if (images.position() - before != sampleFloats) {
                throw new IllegalStateException("dataset " + dataset + " wrote " + (images.position() - before)
                        + " floats for sample " + sample + ", expected " + sampleFloats);
            }
            labels.put(checkedLabel(sample));
        }
        batch.upload();
        return batch;
    }

    private int checkedLabel(int sample) {
        int label = dataset.label(sample);
        if (label < 0 || label >= dataset.numClasses()) {
            throw new IllegalStateException("dataset " + dataset + " gave label " + label + " for sample " + sample
                    + ", outside [0, " + dataset.numClasses() + ")");
        }
        return label;
    }

    /** Reads samples {@code order[start .. start + count)} into their slots of {@code images}, in contiguous runs on the workers. */
    private void readInParallel(int[] order, int start, int count, FloatBuffer images) throws InterruptedException {
        synchronized (this) {
            if (workerPool == null) {
                AtomicInteger n = new AtomicInteger();
                workerPool = Executors.newFixedThreadPool(workers, r -> {
                    Thread t = new Thread(r, WORKER_THREAD_NAME + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        List<Callable<Void>> tasks = new ArrayList<>();
        int per = (count + workers - 1) / workers;
        for (int from = 0; from < count; from += per) {
            int lo = from, hi = Math.min(count, from + per);
            tasks.add(() -> {
                FloatBuffer slot = images.duplicate();
                for (int i = lo; i < hi; i++) {
                    int sample = order[start + i];
                    slot.position(i * sampleFloats);
                    dataset.read(sample, slot);
                    if (slot.position() - i * sampleFloats != sampleFloats) {
                        throw new IllegalStateException("dataset " + dataset + " wrote " + (slot.position() - i * sampleFloats)
                                + " floats for sample " + sample + ", expected " + sampleFloats);
                    }
                }
                return null;
            });
        }
        for (Future<Void> f : workerPool.invokeAll(tasks)) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) throw re;
                if (cause instanceof Error err) throw err;
                throw new IllegalStateException(cause);
            }
        }
    }

    /** One epoch: fills batches on a producer thread, or on the caller's thread without prefetch. */
    private final class EpochIterator implements Iterator<Batch> {
        private final int epochNumber;
        private final int[] order;
        private final Thread producer;
        private int delivered;
        private Batch held;
        private volatile boolean stopped;

        EpochIterator(int epochNumber) {
            this.epochNumber = epochNumber;
            this.order = order(dataset.size(), shuffle, seed, epochNumber);
            LOG.debug("epoch {}: {} batches of up to {} samples from {}", epochNumber, numBatches, batchSize, dataset);
            if (prefetch > 0 && numBatches > 0) {
                producer = new Thread(this::produce, THREAD_NAME);
                producer.setDaemon(true);
                producer.start();
            } else {
                producer = null;
            }
        }

        private void produce() {
            int index = 0;
            try {
                for (; index < numBatches && !stopped; index++) ready.put(new Filled(fill(order, index), null));
            } catch (InterruptedException e) {
                // stopped by the consumer
            } catch (Throwable t) {
                if (!stopped) ready.add(new Filled(null, new DataLoaderException(failure(index, t), t)));
            }
        }

        private String failure(int index, Throwable t) {
            return "loading batch " + index + " of " + numBatches + " (epoch " + epochNumber + ") from " + dataset
                    + " failed: " + t;
        }

        @Override
        public boolean hasNext() {
            checkCurrent();
            return delivered < numBatches;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epochNumber + " has only " + numBatches + " batches");
            if (held != null) {
                Native.synchronize(device); // queued kernels may still read the batch going back to the ring
                release(held);
            }
            held = null;
            Filled filled;
            try {
                filled = producer == null ? fillHere() : ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DataLoaderException("interrupted while waiting for batch " + delivered + " of epoch " + epochNumber, e);
            }
            if (filled.failure() != null) {
                delivered = numBatches; // this epoch is over
                throw filled.failure();
            }
            held = filled.batch();
            delivered++;
            return held;
        }

        private Filled fillHere() throws InterruptedException {
            try {
                return new Filled(fill(order, delivered), null);
            } catch (RuntimeException e) {
                return new Filled(null, new DataLoaderException(failure(delivered, e), e));
            }
        }

        private void checkCurrent() {
            if (closed) throw new IllegalStateException("DataLoader is closed");
            if (current != this) {
                throw new IllegalStateException("the iteration of epoch " + epochNumber + " was stopped by a newer one");
            }
        }

        /** Stops the producer and waits for it to end, keeping the caller's interrupt status. */
        void stop() {
            stopped = true;
            if (producer == null) return;
            boolean interrupted = false;
            producer.interrupt();
            while (producer.isAlive()) {
                try {
                    producer.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Settings of a {@link DataLoader}; every setter checks its argument at once. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;
        private int prefetch = 2;
        private int workers; // 0: chosen by the dataset (see workers(int))
        private Device device = Device.cpu();

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        /** Samples per batch (default 32); must be positive. */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Whether to shuffle each epoch (default false: index order). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the shuffle order (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to leave out the last batch when it would be smaller than batchSize (default false). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * Batches to fill ahead on a background thread (default 2); 0 fills each batch on the
         * caller's thread, inside {@code next()}.
         */
        public Builder prefetch(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must be >= 0 (0 loads batches on the caller's thread), got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /**
         * Threads that read (decode, augment) the samples of each batch in parallel. Default: for a
         * dataset that {@linkplain Dataset#decodesSamples() decodes its samples}, the CPUs the
         * compute threads leave (at least 1); else 1 (the filling thread reads them itself). With more than one, the dataset's {@code read}
         * and {@code label} are called from several threads at once, each sample once, so they
         * must be thread-safe; batch order and contents stay the same for any number of workers.
         */
        public Builder workers(int workers) {
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
            this.workers = workers;
            return this;
        }

        /**
         * The device the batches are delivered on (default the CPU); for a GPU the samples are
         * staged in pinned memory and copied asynchronously.
         */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** A loader with these settings; allocates its batch tensors. */
        public DataLoader build() {
            return new DataLoader(this);
        }
    }
}
