package dev.anvil.distributed;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Process groups by backend name: {@code "local"} (ranks are threads of this JVM, see
 * {@link LocalGroupFactory}), {@code "tcp"} ({@link TcpProcessGroup}), {@code "mpi"} ({@link MpiProcessGroup}, under
 * mpirun), {@code "nccl"} ({@link NcclProcessGroup}, GPU tensors), and any backend plugged in as a
 * {@link ProcessGroupFactory}.
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroups.create("tcp", DistributedEnvironment.detect(), Duration.ofMinutes(5))) { ... }
 * }</pre>
 */
public final class ProcessGroups {
    private static final Map<String, ProcessGroupFactory> FACTORIES = new TreeMap<>(); // guarded by the class

    static {
        register(new LocalGroupFactory());
        register(new TcpGroupFactory());
        register(new MpiGroupFactory());
        register(new NcclGroupFactory());
        for (ProcessGroupFactory f : ServiceLoader.load(ProcessGroupFactory.class, ProcessGroups.class.getClassLoader())) register(f);
    }

    private ProcessGroups() {}

    /** Adds (or replaces) the backend {@code factory.name()}. */
    public static synchronized void register(ProcessGroupFactory factory) {
        FACTORIES.put(Objects.requireNonNull(factory.name(), "name"), factory);
    }

    /** The names of the backends that can be used here, sorted. */
    public static synchronized List<String> available() {
        return FACTORIES.values().stream().filter(f -> f.unavailableReason().isEmpty()).map(ProcessGroupFactory::name).toList();
    }

    /**
     * Joins this process's group of backend {@code backend}.
     *
     * @throws IllegalArgumentException for an unknown or unusable backend, listing the usable ones
     */
    public static ProcessGroup create(String backend, DistributedEnvironment env, Duration timeout) throws IOException {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(timeout, "timeout");
        ProcessGroupFactory factory;
        synchronized (ProcessGroups.class) {
            factory = FACTORIES.get(backend);
        }
        if (factory == null) {
            throw new IllegalArgumentException("unknown backend '" + backend + "'; available: " + String.join(", ", available())
                    + " (other backends are plugged in as a " + ProcessGroupFactory.class.getName() + ")");
        }
        String why = factory.unavailableReason().orElse(null);
        if (why != null) throw new IllegalArgumentException("backend '" + backend + "' is not available: " + why + "; available: " + String.join(", ", available()));
        return factory.create(env, timeout);
    }

    /** Every known backend with its status, for messages: "local, tcp, mpi (not available: ...)". */
    public static synchronized String describe() {
        return FACTORIES.values().stream()
                .map(f -> f.name() + f.unavailableReason().map(r -> " (not available: " + r + ")").orElse(""))
                .collect(Collectors.joining(", "));
    }

    /** Default backend when a job has several ranks and none was named. */
    public static String defaultBackend() {
        return "tcp";
    }
}
