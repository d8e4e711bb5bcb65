package dev.anvil.tune;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The process that runs a trial: host, pid and the process's start time (so that a reused pid is
 * not mistaken for the original process).
 */
public record WorkerId(String host, long pid, long startMillis) {
    private static final WorkerId CURRENT = detect();

    public static WorkerId current() {
        return CURRENT;
    }

    private static WorkerId detect() {
        ProcessHandle self = ProcessHandle.current();
        return new WorkerId(hostName(), self.pid(), startOf(self).orElse(0L));
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static Optional<Long> startOf(ProcessHandle h) {
        return h.info().startInstant().map(java.time.Instant::toEpochMilli);
    }

    /** Whether this worker ran on this host and its process is gone (a pid now used by another process counts as gone). */
    public boolean isDeadOnThisHost() {
        if (!host.equals(CURRENT.host)) return false;
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) return true;
        Optional<Long> start = startOf(h.get());
        return startMillis != 0 && start.isPresent() && Math.abs(start.get() - startMillis) > 1000;
    }

    @Override
    public String toString() {
        return host + ":" + pid;
    }
}
