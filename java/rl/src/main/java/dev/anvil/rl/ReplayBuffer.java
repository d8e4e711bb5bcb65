package dev.anvil.rl;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A ring buffer of transitions {@code (s, a, r, s', terminated)} in native (off-heap) memory, the
 * experience replay of DQN (Mnih et al., "Human-level control through deep reinforcement
 * learning", Nature 2015). Sampling is uniform, or proportional to priority with
 * {@link #prioritized}: {@code P(i) = p_i^alpha / sum_k p_k^alpha}, new transitions at the
 * largest priority so far, importance-sampling weights {@code (N P(i))^-beta} divided by their
 * maximum (Schaul et al., "Prioritized Experience Replay", ICLR 2016).
 *
 * <p>Adding and sampling allocate nothing. {@link #save} and {@link #load} keep the contents
 * across runs (for checkpoints); {@link #close()} frees the memory.
 */
public final class ReplayBuffer implements AutoCloseable {
    private static final byte[] MAGIC = "ANVILRPL".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;
    private final int capacity;
    private final int obsSize;
    private final Tensor obs, nextObs, actions, rewards, terminated;
    private final FloatBuffer obsView, nextObsView, rewardView, terminatedView;
    private final IntBuffer actionView;
    private final SumTree priorities; // null: uniform
    private final double alpha;
    private double maxPriority = 1;
    private int size;
    private int next;
    private long added;

    private ReplayBuffer(int capacity, int observationSize, double alpha, boolean prioritized) {
        if (capacity < 1) throw new IllegalArgumentException("ReplayBuffer: capacity must be >= 1, got " + capacity);
        if (observationSize < 1) throw new IllegalArgumentException("ReplayBuffer: observation size must be >= 1, got " + observationSize);
        this.capacity = capacity;
        this.obsSize = observationSize;
        this.alpha = alpha;
        this.priorities = prioritized ? new SumTree(capacity) : null;
        obs = Tensor.emptyUnscoped(DType.FLOAT32, capacity, observationSize);
        nextObs = Tensor.emptyUnscoped(DType.FLOAT32, capacity, observationSize);
        actions = Tensor.emptyUnscoped(DType.INT32, capacity);
        rewards = Tensor.emptyUnscoped(DType.FLOAT32, capacity);
        terminated = Tensor.emptyUnscoped(DType.FLOAT32, capacity);
        obsView = obs.floatBuffer();
        nextObsView = nextObs.floatBuffer();
        actionView = actions.intBuffer();
        rewardView = rewards.floatBuffer();
        terminatedView = terminated.floatBuffer();
    }

    /** A buffer sampled uniformly. */
    public static ReplayBuffer uniform(int capacity, int observationSize) {
        return new ReplayBuffer(capacity, observationSize, 0, false);
    }

    /** A buffer sampled in proportion to priority^alpha (alpha 0.6 in Schaul et al. for DQN). */
    public static ReplayBuffer prioritized(int capacity, int observationSize, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("ReplayBuffer: priority exponent alpha must be in [0, 1], got " + alpha);
        return new ReplayBuffer(capacity, observationSize, alpha, true);
    }

    public int capacity() {
        return capacity;
    }

    public int observationSize() {
        return obsSize;
    }

    /** Transitions held (at most the capacity). */
    public int size() {
        return size;
    }

    /** Transitions added over the buffer's life. */
    public long added() {
        return added;
    }

    public boolean isPrioritized() {
        return priorities != null;
    }

    /**
     * Stores a transition, replacing the oldest when full: the observation {@code obs[obsOffset ..]},
     * the action, the reward, the next observation {@code nextObs[nextOffset ..]} and whether it
     * is terminal (no bootstrapping from it).
     */
    public void add(float[] obs, int obsOffset, int action, double reward, float[] nextObs, int nextOffset, boolean terminal) {
        checkOpen();
        checkRow(obs, obsOffset, "observation");
        checkRow(nextObs, nextOffset, "next observation");
        if (action < 0) throw new IllegalArgumentException("ReplayBuffer: transition " + (added + 1) + " has negative action " + action);
        if (!Double.isFinite(reward)) throw new IllegalArgumentException("ReplayBuffer: transition " + (added + 1) + " has reward " + reward);
        int base = next * obsSize;
        for (int j = 0; j < obsSize; j++) {
            obsView.put(base + j, obs[obsOffset + j]);
            nextObsView.put(base + j, nextObs[nextOffset + j]);
        }
        actionView.put(next, action);
        rewardView.put(next, (float) reward);
        terminatedView.put(next, terminal ? 1f : 0f);
        if (priorities != null) priorities.set(next, Math.pow(maxPriority, alpha));
        next = (next + 1) % capacity;
        size = Math.min(size + 1, capacity);
        added++;
    }

    /** As {@link #add(float[], int, int, double, float[], int, boolean)} with whole arrays. */
    public void add(float[] obs, int action, double reward, float[] nextObs, boolean terminal) {
        add(obs, 0, action, reward, nextObs, 0, terminal);
    }

    private void checkRow(float[] row, int offset, String what) {
        if (row == null) throw new IllegalArgumentException("ReplayBuffer: " + what + " of transition " + (added + 1) + " is null");
        if (offset < 0 || offset + obsSize > row.length) {
            throw new IllegalArgumentException("ReplayBuffer: " + what + " of transition " + (added + 1) + " needs " + obsSize
                    + " values from offset " + offset + ", array has " + row.length);
        }
        for (int j = 0; j < obsSize; j++) {
            if (!Float.isFinite(row[offset + j])) {
                throw new IllegalArgumentException("ReplayBuffer: " + what + " of transition " + (added + 1) + " is not finite ("
                        + row[offset + j] + " at index " + j + ")");
            }
        }
    }

    /**
     * Fills {@code batch} with transitions drawn from {@code rng}: uniformly with replacement, or by
     * priority (one draw from each of batch-size equal slices of the total priority, as Schaul et
     * al. do) with importance-sampling weights for exponent {@code beta} (ignored when uniform).
     */
    public void sample(Rng rng, ReplayBatch batch, double beta) {
        checkOpen();
        int n = batch.size();
        if (size < n) {
            throw new IllegalStateException("ReplayBuffer: cannot sample a batch of " + n + " from " + size
                    + " transitions; add at least " + (n - size) + " more (learning must start after batch-size steps)");
        }
        if (batch.obsView.capacity() != n * obsSize) {
            throw new IllegalArgumentException("ReplayBuffer: batch rows have " + batch.obsView.capacity() / n
                    + " values, the buffer's observations " + obsSize);
        }
        double total = priorities == null ? 0 : priorities.total();
        double maxWeight = priorities == null ? 1 : Math.pow(size * priorities.min() / total, -beta);
        for (int i = 0; i < n; i++) {
            int k;
            if (priorities == null) {
                k = rng.nextInt(size);
                batch.weights[i] = 1;
            } else {
                k = Math.min(priorities.find((i + rng.nextDouble()) * total / n), size - 1);
                batch.weights[i] = (float) (Math.pow(size * priorities.get(k) / total, -beta) / maxWeight);
            }
            batch.indices[i] = k;
            int from = k * obsSize, to = i * obsSize;
            for (int j = 0; j < obsSize; j++) {
                batch.obsView.put(to + j, obsView.get(from + j));
                batch.nextObsView.put(to + j, nextObsView.get(from + j));
            }
            batch.actions[i] = actionView.get(k);
            batch.rewards[i] = rewardView.get(k);
            batch.terminated[i] = terminatedView.get(k);
        }
    }

    /**
     * Sets the priorities of the batch's transitions to {@code |tdError| + epsilon} (prioritised
     * buffers only); {@code tdErrors[i]} belongs to row i of the batch.
     */
    public void updatePriorities(ReplayBatch batch, float[] tdErrors, double epsilon) {
        if (priorities == null) throw new IllegalStateException("ReplayBuffer: updatePriorities on a uniform buffer");
        for (int i = 0; i < batch.size(); i++) {
            double p = Math.abs(tdErrors[i]) + epsilon;
            if (!Double.isFinite(p)) throw new IllegalArgumentException("ReplayBuffer: TD error " + tdErrors[i] + " of batch row " + i + " is not finite");
            maxPriority = Math.max(maxPriority, p);
            priorities.set(batch.indices[i], Math.pow(p, alpha));
        }
    }

    private void checkOpen() {
        if (obs.isClosed()) throw new IllegalStateException("ReplayBuffer: used after close()");
    }

    /**
     * Writes the buffer's transitions (and priorities) to {@code path}, through a temporary file
     * renamed over it, so that a failed save leaves the previous file intact.
     */
    public void save(Path path) throws IOException {
        checkOpen();
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            CRC32 crc = new CRC32();
            try (DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp)), crc))) {
                out.write(MAGIC);
                out.writeInt(FORMAT_VERSION);
                out.writeInt(capacity);
                out.writeInt(obsSize);
                out.writeBoolean(priorities != null);
                out.writeDouble(alpha);
                out.writeInt(size);
                out.writeInt(next);
                out.writeLong(added);
                out.writeDouble(maxPriority);
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < obsSize; j++) out.writeFloat(obsView.get(i * obsSize + j));
                    for (int j = 0; j < obsSize; j++) out.writeFloat(nextObsView.get(i * obsSize + j));
                    out.writeInt(actionView.get(i));
                    out.writeFloat(rewardView.get(i));
                    out.writeFloat(terminatedView.get(i));
                    out.writeDouble(priorities == null ? 0 : priorities.get(i));
                }
                out.flush();
                out.writeLong(crc.getValue());
            }
            // A rename within one directory, atomic on POSIX file systems.
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Replaces this buffer's contents by those saved in {@code path}, which must have been saved
     * from a buffer of the same capacity, observation size and kind; a damaged or mismatching
     * file is rejected before anything changes.
     */
    public void load(Path path) throws IOException {
        checkOpen();
        CRC32 crc = new CRC32();
        try (DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(Files.newInputStream(path)), crc))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new IOException(path + " is not a saved replay buffer (bad magic)");
            int version = in.readInt();
            if (version != FORMAT_VERSION) throw new IOException(path + " has replay buffer format " + version + ", expected " + FORMAT_VERSION);
            int cap = in.readInt(), os = in.readInt();
            boolean prio = in.readBoolean();
            double a = in.readDouble();
            if (cap != capacity || os != obsSize || prio != (priorities != null) || a != alpha) {
                throw new IOException(path + " holds a " + (prio ? "prioritized (alpha " + a + ")" : "uniform") + " buffer of capacity "
                        + cap + " and observation size " + os + "; this buffer is " + (priorities != null ? "prioritized (alpha " + alpha + ")" : "uniform")
                        + " with capacity " + capacity + " and observation size " + obsSize);
            }
            int n = in.readInt(), at = in.readInt();
            long count = in.readLong();
            double maxP = in.readDouble();
            if (n < 0 || n > capacity || at < 0 || at >= capacity || count < n) throw new IOException(path + " is corrupt: bad counters");
            float[] o = new float[n * obsSize], o2 = new float[n * obsSize], r = new float[n], t = new float[n];
            int[] act = new int[n];
            double[] p = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < obsSize; j++) o[i * obsSize + j] = in.readFloat();
                for (int j = 0; j < obsSize; j++) o2[i * obsSize + j] = in.readFloat();
                act[i] = in.readInt();
                r[i] = in.readFloat();
                t[i] = in.readFloat();
                p[i] = in.readDouble();
            }
            long expected = crc.getValue();
            if (in.readLong() != expected || in.read() != -1) throw new IOException(path + " is corrupt: its checksum does not match");
            obsView.put(0, o, 0, o.length);
            nextObsView.put(0, o2, 0, o2.length);
            actionView.put(0, act, 0, n);
            rewardView.put(0, r, 0, n);
            terminatedView.put(0, t, 0, n);
            if (priorities != null) {
                for (int i = 0; i < capacity; i++) {
                    if (i < n) priorities.set(i, p[i]);
                    else priorities.clear(i);
                }
            }
            size = n;
            next = at;
            added = count;
            maxPriority = maxP;
        } catch (EOFException e) {
            throw new IOException(path + " is truncated", e);
        }
    }

    @Override
    public void close() {
        obs.close();
        nextObs.close();
        actions.close();
        rewards.close();
        terminated.close();
    }
}
