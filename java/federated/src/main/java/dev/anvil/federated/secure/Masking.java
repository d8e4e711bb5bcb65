package dev.anvil.federated.secure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The arithmetic of pairwise-masked secure aggregation (Bonawitz et al. 2017, without the
 * self-masks and secret sharing of the full protocol). Client i sends
 * {@code q_i + sum_{j > i} PRG(s_ij) - sum_{j < i} PRG(s_ij)} where {@code q_i} is
 * {@code numSamples_i * weights_i} in fixed point ({@link #SCALE_BITS} fraction bits) as 64-bit
 * integers, {@code s_ij} a seed both derive from an X25519 key agreement, and all sums wrap
 * modulo 2^64: each mask appears once with each sign, so the masks cancel exactly in the sum and
 * each masked vector on its own is uniformly distributed. When client k drops after the keys were
 * exchanged, each survivor j reveals {@code s_jk} and the coordinator removes that mask.
 *
 * <p>Trust model: an honest-but-curious coordinator that does not lie about who dropped (a
 * coordinator that did could ask for the seeds of a client whose update it holds; the full
 * protocol's self-masks prevent that).
 */
public final class Masking {
    /** Fraction bits of the fixed-point encoding: values are rounded to multiples of 2^-24. */
    public static final int SCALE_BITS = 24;
    private static final double SCALE = 1L << SCALE_BITS;
    /** Largest |numSamples * weight| encoded, leaving 2^8 clients of headroom in 63 bits. */
    public static final double MAX_ABS = Math.scalb(1.0, 63 - SCALE_BITS - 8);

    private Masking() {}

    /**
     * {@code numSamples * weights} in fixed point.
     *
     * @throws IllegalArgumentException if a value is not finite or too large to encode
     */
    public static long[] encode(float[] weights, long numSamples) {
        Objects.requireNonNull(weights, "weights");
        if (numSamples <= 0) throw new IllegalArgumentException("numSamples must be positive, got " + numSamples);
        long[] out = new long[weights.length];
        for (int i = 0; i < weights.length; i++) {
            double v = (double) weights[i] * numSamples;
            if (!(Math.abs(v) < MAX_ABS)) {
                throw new IllegalArgumentException("value " + i + " (" + weights[i] + " x " + numSamples + " samples) cannot be encoded for secure aggregation");
            }
            out[i] = Math.round(v * SCALE);
        }
        return out;
    }

    /** The mean from a sum of encoded vectors over clients holding {@code totalSamples} samples. */
    public static float[] decodeMean(long[] sum, long totalSamples) {
        if (totalSamples <= 0) throw new IllegalArgumentException("totalSamples must be positive, got " + totalSamples);
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) out[i] = (float) (sum[i] / SCALE / totalSamples);
        return out;
    }

    /** {@code acc += x} element-wise, modulo 2^64. */
    public static void addInto(long[] acc, long[] x) {
        if (acc.length != x.length) throw new IllegalArgumentException("lengths differ: " + acc.length + " and " + x.length);
        for (int i = 0; i < acc.length; i++) acc[i] += x[i];
    }

    /** +1 if the mask of the pair (self, peer) is added by {@code self}, -1 if subtracted. */
    public static int sign(String self, String peer) {
        int c = self.compareTo(peer);
        if (c == 0) throw new IllegalArgumentException("a client has no mask with itself: " + self);
        return c < 0 ? 1 : -1;
    }

    /** The seed of pair (a, b) for {@code round}: SHA-256 of the agreed secret, the round and the two ids in order. */
    public static byte[] pairSeed(byte[] sharedSecret, int round, String a, String b) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(sharedSecret);
            sha.update(ByteBuffer.allocate(4).putInt(round).array());
            String lo = a.compareTo(b) < 0 ? a : b, hi = a.compareTo(b) < 0 ? b : a;
            sha.update(lo.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(hi.getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** {@code target += sign * PRG(seed)} modulo 2^64, with AES-128 in counter mode as the PRG. */
    public static void applyMask(long[] target, byte[] seed, int sign) {
        Objects.requireNonNull(seed, "seed");
        if (seed.length < 16) throw new IllegalArgumentException("seed must have at least 16 bytes, got " + seed.length);
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Arrays.copyOf(seed, 16), "AES"), new IvParameterSpec(new byte[16]));
            int chunk = 8192;
            byte[] zeros = new byte[chunk * 8], stream = new byte[chunk * 8];
            for (int at = 0; at < target.length; at += chunk) {
                int n = Math.min(chunk, target.length - at);
                aes.update(zeros, 0, n * 8, stream, 0);
                ByteBuffer b = ByteBuffer.wrap(stream, 0, n * 8).order(ByteOrder.LITTLE_ENDIAN);
                if (sign > 0) for (int i = 0; i < n; i++) target[at + i] += b.getLong();
                else for (int i = 0; i < n; i++) target[at + i] -= b.getLong();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR unavailable", e);
        }
    }

    /**
     * Who masks with whom in a round: with {@code k <= 0} or {@code k >= ids - 1} every pair;
     * otherwise a circulant graph over a random order of the ids, each linked to the
     * ceil(k / 2) next and previous ones (symmetric, so every mask has its opposite).
     */
    public static Map<String, Set<String>> neighbours(List<String> ids, int k, RandomGenerator rng) {
        int m = ids.size();
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String id : ids) out.put(id, new LinkedHashSet<>());
        if (k <= 0 || k >= m - 1) {
            for (String a : ids) for (String b : ids) if (!a.equals(b)) out.get(a).add(b);
            return out;
        }
        List<String> order = new ArrayList<>(ids);
        for (int i = m - 1; i > 0; i--) Collections.swap(order, i, rng.nextInt(i + 1));
        int half = (k + 1) / 2;
        for (int i = 0; i < m; i++) {
            for (int d = 1; d <= half; d++) {
                String a = order.get(i), b = order.get((i + d) % m);
                out.get(a).add(b);
                out.get(b).add(a);
            }
        }
        return out;
    }

    /** Removes from {@code sum} the mask that {@code survivor} applied for its pair with {@code dropped}. */
    public static void removePairMask(long[] sum, String survivor, String dropped, byte[] seed) {
        applyMask(sum, seed, -sign(survivor, dropped));
    }
}
