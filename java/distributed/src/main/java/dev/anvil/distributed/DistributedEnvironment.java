package dev.anvil.distributed;

import java.util.Map;
import java.util.Objects;

/**
 * Where this process stands in a distributed job, as its launcher described it in environment
 * variables: its rank, the world size, its rank on this machine and the master's address (where
 * the rendezvous store is).
 *
 * @param rank this process's rank, in {@code [0, worldSize)}
 * @param worldSize number of processes in the job
 * @param localRank this process's rank among those on its machine
 * @param masterAddress host of the rendezvous store
 * @param masterPort port of the rendezvous store
 * @param storeHosted whether the store is already hosted (by {@code anvil launch}); otherwise rank 0 hosts it
 * @param source which launcher's variables were read, for messages
 */
public record DistributedEnvironment(int rank, int worldSize, int localRank, String masterAddress, int masterPort, boolean storeHosted,
        String source) {
    /** Default master address: this machine. */
    public static final String DEFAULT_MASTER_ADDRESS = "127.0.0.1";
    /** Default master port, as in PyTorch. */
    public static final int DEFAULT_MASTER_PORT = 29500;
    /** Set to 1 by {@code anvil launch}, which hosts the store itself. */
    public static final String STORE_HOSTED_VARIABLE = "ANVIL_STORE_HOSTED";

    public DistributedEnvironment {
        Objects.requireNonNull(masterAddress, "masterAddress");
        Objects.requireNonNull(source, "source");
        if (worldSize < 1) throw new IllegalArgumentException(source + ": the world size must be at least 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(source + ": the rank must be in 0.." + (worldSize - 1) + " for a world size of "
                    + worldSize + ", got " + rank);
        }
        if (localRank < 0 || localRank > rank) {
            throw new IllegalArgumentException(source + ": the local rank must be in 0.." + rank + " for rank " + rank + ", got " + localRank);
        }
        if (masterPort < 1 || masterPort > 65535) throw new IllegalArgumentException(source + ": the master port must be in 1..65535, got " + masterPort);
    }

    /** A single process: rank 0 of 1. */
    public static DistributedEnvironment single() {
        return new DistributedEnvironment(0, 1, 0, DEFAULT_MASTER_ADDRESS, DEFAULT_MASTER_PORT, false, "single process");
    }

    /** This process's environment: see {@link #detect(Map)}. */
    public static DistributedEnvironment detect() {
        return detect(System.getenv());
    }

    /**
     * Reads the variables of, in this order: Open MPI's mpirun ({@code OMPI_COMM_WORLD_RANK},
     * {@code OMPI_COMM_WORLD_SIZE}, {@code OMPI_COMM_WORLD_LOCAL_RANK}), Slurm's srun
     * ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}, master from
     * {@code MASTER_ADDR} or else {@code SLURM_LAUNCH_NODE_IPADDR}), and the common
     * {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK} (set by {@code anvil launch} and
     * torchrun). The master is {@code MASTER_ADDR}:{@code MASTER_PORT} (default
     * 127.0.0.1:29500). Without any of these the process is rank 0 of 1.
     *
     * @throws IllegalArgumentException for partial or inconsistent settings, saying which
     *     variables to set
     */
    public static DistributedEnvironment detect(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String address = env.getOrDefault("MASTER_ADDR", DEFAULT_MASTER_ADDRESS);
        int port = env.containsKey("MASTER_PORT") ? number(env, "MASTER_PORT", "common") : DEFAULT_MASTER_PORT;
        boolean hosted = "1".equals(env.get(STORE_HOSTED_VARIABLE));
        if (env.containsKey("OMPI_COMM_WORLD_RANK") || env.containsKey("OMPI_COMM_WORLD_SIZE")) {
            String source = "Open MPI (mpirun)";
            require(env, source, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE");
            int rank = number(env, "OMPI_COMM_WORLD_RANK", source);
            return new DistributedEnvironment(rank, number(env, "OMPI_COMM_WORLD_SIZE", source),
                    env.containsKey("OMPI_COMM_WORLD_LOCAL_RANK") ? number(env, "OMPI_COMM_WORLD_LOCAL_RANK", source) : 0,
                    address, port, hosted, source);
        }
        if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS")) {
            String source = "Slurm (srun)";
            int rank = number(env, "SLURM_PROCID", source);
            String master = env.getOrDefault("MASTER_ADDR", env.getOrDefault("SLURM_LAUNCH_NODE_IPADDR", DEFAULT_MASTER_ADDRESS));
            return new DistributedEnvironment(rank, number(env, "SLURM_NTASKS", source),
                    env.containsKey("SLURM_LOCALID") ? number(env, "SLURM_LOCALID", source) : 0, master, port, hosted, source);
        }
        if (env.containsKey("RANK") || env.containsKey("WORLD_SIZE")) {
            String source = "RANK/WORLD_SIZE";
            require(env, source, "RANK", "WORLD_SIZE");
            int rank = number(env, "RANK", source);
            return new DistributedEnvironment(rank, number(env, "WORLD_SIZE", source),
                    env.containsKey("LOCAL_RANK") ? number(env, "LOCAL_RANK", source) : rank, address, port, hosted, source);
        }
        return new DistributedEnvironment(0, 1, 0, address, port, hosted, "single process");
    }

    private static void require(Map<String, String> env, String source, String... names) {
        for (String name : names) {
            if (!env.containsKey(name)) {
                throw new IllegalArgumentException(source + ": " + name + " is not set while " + String.join(" and ", names)
                        + " must be set together; set " + name + " or unset the others");
            }
        }
    }

    private static int number(Map<String, String> env, String name, String source) {
        String value = env.get(name).trim();
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": " + name + " must be a whole number, got '" + value + "'");
        }
    }

    /** Whether this is one rank of several. */
    public boolean isDistributed() {
        return worldSize > 1;
    }

    /** This environment for rank {@code r} of the same job (for ranks run as threads of one JVM). */
    public DistributedEnvironment withRank(int r) {
        return new DistributedEnvironment(r, worldSize, r, masterAddress, masterPort, storeHosted, source);
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " (local rank " + localRank + ", master " + masterAddress + ":" + masterPort
                + ", from " + source + ")";
    }
}
