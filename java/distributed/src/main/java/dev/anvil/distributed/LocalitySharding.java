package dev.anvil.distributed;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** See {@link ShardingStrategy#locality}. */
final class LocalitySharding implements ShardingStrategy {
    private final List<DataShard> shards;
    private final List<String> rankHosts;
    private final int[] shardStarts;
    private final int total;

    /** Samples {@code start .. start+length-1}, stored on {@code host}. */
    private record Range(int start, int length, String host) {}

    LocalitySharding(List<DataShard> shards, List<String> rankHosts) {
        if (shards.isEmpty()) throw new IllegalArgumentException("locality sharding needs at least one shard");
        if (rankHosts.isEmpty()) throw new IllegalArgumentException("locality sharding needs the host of each rank");
        this.shards = List.copyOf(shards);
        this.rankHosts = List.copyOf(rankHosts);
        this.shardStarts = new int[shards.size()];
        int n = 0;
        for (int i = 0; i < shards.size(); i++) {
            shardStarts[i] = n;
            n = Math.addExact(n, shards.get(i).size());
        }
        this.total = n;
    }

    @Override
    public Partition partition(int datasetSize, int worldSize, int batchSize, boolean dropLast, SplittableRandom shuffle) {
        if (datasetSize != total) {
            throw new IllegalArgumentException("the shards hold " + total + " samples but the data set has " + datasetSize);
        }
        if (worldSize != rankHosts.size()) {
            throw new IllegalArgumentException("locality sharding knows the hosts of " + rankHosts.size() + " ranks, but the world has " + worldSize);
        }
        int[][] indices = assign(ShardingStrategy.perRank(total, worldSize, dropLast));
        if (shuffle != null) {
            for (int[] rank : indices) ShardingStrategy.shuffleInPlace(rank, shuffle);
        }
        return Partition.equalBatches(indices, batchSize, dropLast);
    }

    /** Each rank's samples, exactly {@code target} of them: local shards first, then balanced. */
    private int[][] assign(int target) {
        int world = rankHosts.size();
        List<List<Range>> ranks = new ArrayList<>();
        for (int r = 0; r < world; r++) ranks.add(new ArrayList<>());
        int[] load = new int[world];
        List<Integer> largestFirst = IntStream.range(0, shards.size()).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -shards.get(i).size()).thenComparingInt(i -> i)).toList();
        List<Range> surplus = new ArrayList<>(); // samples no rank has taken yet
        for (int i : largestFirst) {
            DataShard shard = shards.get(i);
            Range range = new Range(shardStarts[i], shard.size(), shard.host());
            int[] local = IntStream.range(0, world).filter(r -> rankHosts.get(r).equals(shard.host())).toArray();
            if (local.length == 0) {
                surplus.add(range);
                continue;
            }
            int rank = leastLoaded(local, load);
            ranks.get(rank).add(range);
            load[rank] += shard.size();
        }
        for (List<Range> rank : ranks) surplus.addAll(0, cutTo(rank, target));
        for (boolean sameHostOnly : new boolean[] {true, false}) {
            for (int r = 0; r < world; r++) fill(ranks.get(r), target, rankHosts.get(r), sameHostOnly, surplus);
        }
        int[][] out = new int[world][];
        for (int r = 0; r < world; r++) out[r] = padded(flatten(ranks.get(r)), target, r);
        return out;
    }

    private static int leastLoaded(int[] candidates, int[] load) {
        int best = candidates[0];
        for (int r : candidates) {
            if (load[r] < load[best]) best = r;
        }
        return best;
    }

    /** Cuts {@code rank}'s ranges to {@code target} samples and returns what was cut off. */
    private static List<Range> cutTo(List<Range> rank, int target) {
        List<Range> cut = new ArrayList<>();
        int kept = 0;
        List<Range> keep = new ArrayList<>();
        for (Range g : rank) {
            int take = Math.min(g.length(), target - kept);
            if (take > 0) keep.add(new Range(g.start(), take, g.host()));
            if (take < g.length()) cut.add(new Range(g.start() + take, g.length() - take, g.host()));
            kept += take;
        }
        rank.clear();
        rank.addAll(keep);
        return cut;
    }

    /** Moves ranges (or parts of them) from {@code surplus} into {@code rank} until it holds {@code target} samples. */
    private static void fill(List<Range> rank, int target, String host, boolean sameHostOnly, List<Range> surplus) {
        int have = rank.stream().mapToInt(Range::length).sum();
        for (int i = 0; i < surplus.size() && have < target; ) {
            Range g = surplus.get(i);
            if (sameHostOnly && !g.host().equals(host)) {
                i++;
                continue;
            }
            int take = Math.min(g.length(), target - have);
            rank.add(new Range(g.start(), take, g.host()));
            have += take;
            if (take == g.length()) {
                surplus.remove(i);
            } else {
                surplus.set(i, new Range(g.start() + take, g.length() - take, g.host()));
            }
        }
    }

    private static int[] flatten(List<Range> ranges) {
        return ranges.stream().flatMapToInt(g -> IntStream.range(g.start(), g.start() + g.length())).toArray();
    }

    /** {@code own} repeated to {@code target} samples; a rank with nothing repeats the data set from sample {@code rank}. */
    private int[] padded(int[] own, int target, int rank) {
        if (own.length == target) return own;
        int[] out = new int[target];
        for (int i = 0; i < target; i++) out[i] = own.length > 0 ? own[i % own.length] : (rank + i) % total;
        return out;
    }

    @Override
    public String toString() {
        return "locality(" + shards.size() + " shards, hosts " + rankHosts + ")";
    }
}
