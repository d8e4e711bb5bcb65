package dev.anvil.rl;

import java.util.Arrays;

/**
 * Priorities of the prioritised replay buffer in two complete binary trees over the slots
 * (Schaul et al., "Prioritized Experience Replay", ICLR 2016, appendix B.2.1): each inner
 * node holds the sum (and the minimum) of its children, so setting a priority, finding the slot
 * at a prefix sum and reading the total or the minimum take O(log n).
 */
final class SumTree {
    private final int leaves;
    private final double[] sum;
    private final double[] min;

    SumTree(int capacity) {
        int n = 1;
        while (n < capacity) n <<= 1;
        leaves = n;
        sum = new double[2 * n];
        min = new double[2 * n];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
    }

    void set(int slot, double priority) {
        update(slot, priority, priority);
    }

    /** Empties a slot: it is never found and does not count as the minimum. */
    void clear(int slot) {
        update(slot, 0, Double.POSITIVE_INFINITY);
    }

    private void update(int slot, double priority, double minimum) {
        int i = slot + leaves;
        sum[i] = priority;
        min[i] = minimum;
        for (i >>= 1; i >= 1; i >>= 1) {
            sum[i] = sum[2 * i] + sum[2 * i + 1];
            min[i] = Math.min(min[2 * i], min[2 * i + 1]);
        }
    }

    double get(int slot) {
        return sum[slot + leaves];
    }

    double total() {
        return sum[1];
    }

    /** The smallest priority set so far (infinity if none). */
    double min() {
        return min[1];
    }

    /** The slot whose cumulative range holds {@code prefix}, for 0 <= prefix < total(). */
    int find(double prefix) {
        int i = 1;
        while (i < leaves) {
            if (prefix < sum[2 * i] || sum[2 * i + 1] == 0) {
                i = 2 * i;
            } else {
                prefix -= sum[2 * i];
                i = 2 * i + 1;
            }
        }
        return i - leaves;
    }
}
