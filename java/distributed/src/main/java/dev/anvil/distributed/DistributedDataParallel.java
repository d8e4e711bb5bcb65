package dev.anvil.distributed;

import dev.anvil.Tensor;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of a {@link Sequential} model: every rank holds a replica, trains it on
 * its own samples, and the backward pass averages the gradients over the ranks so that the
 * replicas take identical steps.
 *
 * <p>At construction rank 0's parameters are broadcast to every rank. Gradients are flattened into
 * buckets in reverse layer order (the order backward produces them), the first one small
 * ({@link Builder#firstBucketCapBytes}, so communication starts early) and the others up to
 * {@link Builder#bucketCapBytes}. {@link #backward} runs the layers' backward passes itself, last
 * layer first, and starts the all-reduce of each bucket as soon as the layers have produced all
 * its gradients, while the remaining layers run. Buckets are reduced in the same order on every
 * rank, and the reduction adds in an order fixed by rank positions, so every rank gets bit-identical gradients.
 *
 * <p>The result is a weighted mean: each backward call contributes its loss gradient with a
 * weight, {@code 1} for {@link #backward(Tensor)} or its sample count for
 * {@link #backward(Tensor, long)}, and the synchronised gradient is {@code sum(w_i g_i) / sum(w_i)}
 * over every call on every rank since the last synchronisation. With sample counts as weights a
 * step equals one step on the union of all ranks' batches, even when their sizes differ.
 *
 * <pre>{@code
 * try (DistributedDataParallel ddp = DistributedDataParallel.builder(model, group).build()) {
 *     optimizer.zeroGrad();
 *     Tensor logits = ddp.forward(images);
 *     loss.forward(logits, labels);
 *     ddp.backward(loss.backward(), images.size(0));
 *     optimizer.step();
 * }
 * }</pre>
 */
public final class DistributedDataParallel implements AutoCloseable {
    /** Default cap of a gradient bucket, as in PyTorch. */
    public static final long DEFAULT_BUCKET_CAP_BYTES = 25L << 20;
    /** Default cap of the first (last layers') bucket, as in PyTorch. */
    public static final long DEFAULT_FIRST_BUCKET_CAP_BYTES = 1L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(DistributedDataParallel.class);

    private final Sequential model;
    private final ProcessGroup group;
    private final List<GradientBucket> buckets = new ArrayList<>();
    private final Map<Parameter, GradientBucket> bucketOf = new IdentityHashMap<>();
    private Tensor weighted; // the loss gradient times its weight
    private double pendingWeight;
    private boolean syncing = true;
    private SyncStats lastSync;

    private DistributedDataParallel(Builder b) {
        this.model = b.model;
        this.group = b.group;
        List<Parameter> params = model.parameters();
        if (params.isEmpty()) throw new IllegalArgumentException("DistributedDataParallel: the model has no parameters");
        for (Parameter p : params) group.broadcast(p.value(), 0);
        List<Parameter> current = new ArrayList<>();
        long bytes = 0;
        try {
            for (int i = params.size() - 1; i >= 0; i--) {
                Parameter p = params.get(i);
                long cap = buckets.isEmpty() ? b.firstBucketCapBytes : b.bucketCapBytes;
                if (!current.isEmpty() && bytes + p.numel() * Float.BYTES > cap) {
                    addBucket(current);
                    current.clear();
                    bytes = 0;
                }
                current.add(p);
                bytes += p.numel() * Float.BYTES;
            }
            addBucket(current);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.debug("rank {}: {} parameters in {} buckets", group.rank(), params.size(), buckets.size());
    }

    private void addBucket(List<Parameter> params) {
        GradientBucket bucket = new GradientBucket(params, buckets.isEmpty());
        buckets.add(bucket);
        for (Parameter p : params) bucketOf.put(p, bucket);
    }

    /** Options for wrapping {@code model}, whose replicas train together over {@code group}. */
    public static Builder builder(Sequential model, ProcessGroup group) {
        return new Builder(model, group);
    }

    /** The wrapped model. */
    public Sequential model() {
        return model;
    }

    public ProcessGroup group() {
        return group;
    }

    /** The model's forward pass. */
    public Tensor forward(Tensor x) {
        return model.forward(x);
    }

    /** Backward pass with weight 1: with equal batches on every rank, the plain average of the ranks' gradients. */
    public void backward(Tensor lossGradient) {
        backward(lossGradient, 1);
    }

    /**
     * Backward pass of a mean loss over {@code samples} samples, weighting this rank's gradient by
     * them; unless inside {@link #noSync()}, synchronises the gradients of every rank.
     */
    public void backward(Tensor lossGradient, long samples) {
        Objects.requireNonNull(lossGradient, "lossGradient");
        if (samples < 1) throw new IllegalArgumentException("samples must be positive, got " + samples);
        Tensor dy = samples == 1 ? lossGradient : scaled(lossGradient, samples);
        pendingWeight += samples;
        if (!syncing) {
            model.backward(dy, false);
            return;
        }
        float weight = (float) pendingWeight;
        pendingWeight = 0;
        synchronisingBackward(dy, weight);
    }

    /**
     * Until the returned handle is closed, backward passes accumulate gradients locally without
     * communicating (gradient accumulation); the first backward after it synchronises everything
     * accumulated. Every rank must make the same calls.
     */
    public NoSync noSync() {
        boolean before = syncing;
        syncing = false;
        return () -> syncing = before;
    }

    /** Restores synchronisation when closed; see {@link #noSync()}. */
    @FunctionalInterface
    public interface NoSync extends AutoCloseable {
        @Override
        void close();
    }

    /** What the last synchronising backward pass did, or null before the first one. */
    public SyncStats lastSync() {
        return lastSync;
    }

    /** Parameter counts of the buckets, in the order they are reduced. */
    public List<Integer> bucketSizes() {
        return buckets.stream().map(b -> b.parameters().size()).toList();
    }

    private void synchronisingBackward(Tensor dy, float weight) {
        buckets.forEach(GradientBucket::reset);
        List<Layer> layers = model.executionOrder();
        int next = 0;
        int launchedDuringBackward = 0;
        try {
            Tensor g = dy;
            for (int i = layers.size() - 1; i >= 0; i--) {
                Layer layer = layers.get(i);
                g = layer.backward(g, i > 0);
                for (Parameter p : layer.parameters()) bucketOf.get(p).markReady();
                for (; next < buckets.size() && buckets.get(next).isReady(); next++) {
                    buckets.get(next).launch(group, weight);
                    if (i > 0) launchedDuringBackward++;
                }
            }
            long waitStart = System.nanoTime();
            for (GradientBucket b : buckets) b.await();
            float total = buckets.get(0).totalWeight();
            for (GradientBucket b : buckets) b.unpack(total);
            long bytes = buckets.stream().mapToLong(GradientBucket::bytes).sum();
            lastSync = new SyncStats(buckets.size(), launchedDuringBackward, bytes, System.nanoTime() - waitStart);
        } catch (RuntimeException e) {
            awaitQuietly(e);
            throw e;
        }
    }

    /** After a failure, waits for launched all-reduces so that none still writes a bucket. */
    private void awaitQuietly(RuntimeException failure) {
        for (GradientBucket b : buckets) {
            if (!b.isLaunched()) continue;
            try {
                b.await();
            } catch (RuntimeException e) {
                if (e != failure) failure.addSuppressed(e);
            }
        }
    }

    private Tensor scaled(Tensor lossGradient, long samples) {
        if (weighted == null || !Arrays.equals(weighted.shape(), lossGradient.shape())
                || !weighted.device().equals(lossGradient.device())) {
            if (weighted != null) weighted.close();
            weighted = Tensor.emptyUnscoped(lossGradient.device(), lossGradient.dtype(), lossGradient.shape());
        }
        return weighted.copyFrom(lossGradient).scale(samples);
    }

    /** Frees the buckets; closes neither the model nor the group. */
    @Override
    public void close() {
        buckets.forEach(GradientBucket::close);
        if (weighted != null) weighted.close();
    }

    /** Options of a {@link DistributedDataParallel}. */
    public static final class Builder {
        private final Sequential model;
        private final ProcessGroup group;
        private long bucketCapBytes = DEFAULT_BUCKET_CAP_BYTES;
        private long firstBucketCapBytes = DEFAULT_FIRST_BUCKET_CAP_BYTES;

        private Builder(Sequential model, ProcessGroup group) {
            this.model = Objects.requireNonNull(model, "model");
            this.group = Objects.requireNonNull(group, "group");
        }

        /** Most bytes of gradients per bucket (a larger parameter gets a bucket of its own). */
        public Builder bucketCapBytes(long bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("bucket cap must be positive, got " + bytes);
            this.bucketCapBytes = bytes;
            return this;
        }

        /** Cap of the first bucket, which holds the last layers' gradients and is reduced first. */
        public Builder firstBucketCapBytes(long bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("first bucket cap must be positive, got " + bytes);
            this.firstBucketCapBytes = bytes;
            return this;
        }

        /** Broadcasts rank 0's parameters (every rank must call it) and sets up the buckets. */
        public DistributedDataParallel build() {
            return new DistributedDataParallel(this);
        }
    }
}
