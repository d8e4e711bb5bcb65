package dev.anvil.federated.secure;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.KeyAgreement;

/**
 * A client's side of secure aggregation (see {@link Masking}): a fresh X25519 key pair per round,
 * a key agreement with each peer, the masked update, and on request the seeds shared with peers
 * that dropped. Its key and seeds are forgotten when the next round starts.
 */
public final class SecureAggregationClient {
    private final String id;
    private int round = -1;
    private KeyPair pair;
    private Map<String, byte[]> seeds = Map.of();

    public SecureAggregationClient(String id) {
        this.id = Objects.requireNonNull(id, "id");
    }

    /** Makes the key pair of {@code round} and returns its public key (X.509 encoding). */
    public synchronized byte[] publicKey(int round) {
        try {
            pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable in this JDK", e);
        }
        this.round = round;
        seeds = Map.of();
        return pair.getPublic().getEncoded();
    }

    /**
     * Masks {@code numSamples * weights} with the pairwise masks of every peer but itself.
     *
     * @throws IllegalStateException if no key was made for {@code round}
     * @throws IllegalArgumentException if {@code peers} lacks this client's own key or a key is malformed
     */
    public synchronized long[] mask(int round, float[] weights, long numSamples, Map<String, byte[]> peers) {
        if (pair == null || this.round != round) throw new IllegalStateException("client " + id + ": no key pair for round " + round);
        Objects.requireNonNull(peers, "peers");
        if (!Arrays.equals(peers.get(id), pair.getPublic().getEncoded())) {
            throw new IllegalArgumentException("client " + id + ": the peer list does not hold this client's key for round " + round);
        }
        long[] out = Masking.encode(weights, numSamples);
        Map<String, byte[]> mine = new HashMap<>();
        for (Map.Entry<String, byte[]> e : peers.entrySet()) {
            String peer = e.getKey();
            if (peer.equals(id)) continue;
            byte[] seed = Masking.pairSeed(agree(peer, e.getValue()), round, id, peer);
            Masking.applyMask(out, seed, Masking.sign(id, peer));
            mine.put(peer, seed);
        }
        seeds = mine;
        return out;
    }

    /**
     * The seeds this client shares with {@code dropped} peers of {@code round}.
     *
     * @throws IllegalArgumentException if asked for its own seed or for a client that was not a peer
     */
    public synchronized Map<String, byte[]> reveal(int round, Set<String> dropped) {
        if (this.round != round) throw new IllegalStateException("client " + id + ": round " + round + " is over");
        if (dropped.contains(id)) throw new IllegalArgumentException("client " + id + ": asked to reveal its own masks");
        Map<String, byte[]> out = new HashMap<>();
        for (String d : dropped) {
            byte[] s = seeds.get(d);
            if (s == null) throw new IllegalArgumentException("client " + id + ": " + d + " was not a peer in round " + round);
            out.put(d, s.clone());
        }
        return out;
    }

    private byte[] agree(String peer, byte[] encoded) {
        try {
            PublicKey pub = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(encoded));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(pair.getPrivate());
            ka.doPhase(pub, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("client " + id + ": bad public key of peer " + peer + ": " + e.getMessage(), e);
        }
    }
}
