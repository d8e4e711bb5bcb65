package dev.anvil.distributed;

/**
 * What the last synchronising backward pass of a {@link DistributedDataParallel} did.
 *
 * @param buckets number of gradient buckets all-reduced
 * @param launchedDuringBackward buckets whose all-reduce started before the backward pass of the
 *     first layer, i.e. overlapping the rest of the backward pass
 * @param bytes bytes all-reduced
 * @param waitNanos time spent after the backward pass waiting for the all-reduces and writing
 *     the results back: the communication cost the overlap did not hide
 */
public record SyncStats(int buckets, int launchedDuringBackward, long bytes, long waitNanos) {}
