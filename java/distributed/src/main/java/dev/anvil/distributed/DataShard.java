package dev.anvil.distributed;

import java.util.Objects;

/**
 * A piece of a data set stored in one place, for {@link ShardingStrategy#locality}.
 *
 * @param host where the shard is stored (a host name, rack or any location label)
 * @param size number of samples in it
 */
public record DataShard(String host, int size) {
    public DataShard {
        Objects.requireNonNull(host, "host");
        if (size <= 0) throw new IllegalArgumentException("shard size must be positive, got " + size);
    }
}
