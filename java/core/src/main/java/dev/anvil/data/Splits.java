package dev.anvil.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Subsets of a dataset by index, and seeded random and stratified splits (PyTorch's
 * {@code Subset} and {@code random_split}; scikit-learn's stratified {@code train_test_split}).
 * The parts are views: they read the source's samples, nothing is copied. The same seed gives
 * the same parts (the permutation is Anvil's own, not PyTorch's).
 */
public final class Splits {
    private Splits() {}

    /** The samples {@code indices} of {@code source}, in that order (repeats allowed). */
    public static Dataset subset(Dataset source, int... indices) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(indices, "indices");
        if (indices.length == 0) throw new IllegalArgumentException("a subset needs at least one index");
        for (int i : indices) {
            if (i < 0 || i >= source.size()) {
                throw new IllegalArgumentException("index " + i + " is outside the " + source.size() + " samples of " + source);
            }
        }
        return new Indices(source, indices.clone());
    }

    /**
     * A random split into parts of the given fractions (which must add up to 1): part sizes are
     * the fractions of the size rounded down, the samples left over going one each to the first
     * parts, as PyTorch's {@code random_split} does.
     */
    public static List<Dataset> randomSplit(Dataset source, long seed, double... fractions) {
        Objects.requireNonNull(source, "source");
        int[] sizes = sizes(source.size(), fractions);
        int[] perm = permutation(source.size(), new SplittableRandom(seed));
        List<Dataset> parts = new ArrayList<>();
        int at = 0;
        for (int s : sizes) {
            if (s == 0) throw new IllegalArgumentException("a part of the split of " + source + " by " + Arrays.toString(fractions) + " is empty");
            parts.add(new Indices(source, Arrays.copyOfRange(perm, at, at + s)));
            at += s;
        }
        return parts;
    }

    /**
     * A random split in which every part holds each class in the proportion of the whole: the
     * samples of each class are shuffled and split by the fractions (as {@link #randomSplit}),
     * then each part is shuffled.
     */
    public static List<Dataset> stratifiedSplit(Dataset source, long seed, double... fractions) {
        Objects.requireNonNull(source, "source");
        int[] total = sizes(source.size(), fractions); // checks the fractions
        int classes = source.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < source.size(); i++) byClass.get(source.label(i)).add(i);
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int p = 0; p < total.length; p++) parts.add(new ArrayList<>());
        for (List<Integer> members : byClass) {
            if (members.isEmpty()) continue;
            int[] perm = permutation(members.size(), rng);
            int[] sizes = sizes(members.size(), fractions);
            int at = 0;
            for (int p = 0; p < sizes.length; p++) {
                for (int k = at; k < at + sizes[p]; k++) parts.get(p).add(members.get(perm[k]));
                at += sizes[p];
            }
        }
        List<Dataset> out = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            List<Integer> part = parts.get(p);
            if (part.isEmpty()) {
                throw new IllegalArgumentException("part " + p + " of the stratified split of " + source + " by " + Arrays.toString(fractions)
                        + " is empty");
            }
            int[] perm = permutation(part.size(), rng);
            int[] idx = new int[part.size()];
            for (int k = 0; k < idx.length; k++) idx[k] = part.get(perm[k]);
            out.add(new Indices(source, idx));
        }
        return out;
    }

    private static int[] sizes(int n, double[] fractions) {
        Objects.requireNonNull(fractions, "fractions");
        if (fractions.length < 1) throw new IllegalArgumentException("give at least one fraction");
        double sum = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException("fractions must lie in [0, 1], got " + Arrays.toString(fractions));
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-9) throw new IllegalArgumentException("fractions must add up to 1, got " + Arrays.toString(fractions));
        int[] sizes = new int[fractions.length];
        int left = n;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (int) Math.floor(n * fractions[i]);
            left -= sizes[i];
        }
        for (int i = 0; left > 0; i = (i + 1) % sizes.length, left--) sizes[i]++;
        return sizes;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The samples of a source at given indices. */
    private static final class Indices extends IndexedView {
        private final int[] indices;

        Indices(Dataset source, int[] indices) {
            super(source);
            this.indices = indices;
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        protected int sourceIndex(int index) {
            return indices[index];
        }

        @Override
        public String toString() {
            return indices.length + " samples of " + source();
        }
    }
}
