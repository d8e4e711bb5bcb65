package dev.anvil.tune;

import java.util.List;

/** A study's coordinator in its own JVM, for the kill -9 test: two worker processes on the journal of a WorkerSpec. */
public final class CoordinatorMain {
    private CoordinatorMain() {}

    public static void main(String[] args) throws Exception {
        WorkerSpec spec = WorkerSpec.parse(List.of(args));
        try (Study s = spec.openStudy()) {
            new ProcessWorkers(spec, 2, 1, List.of()).run(s, () -> {});
        }
    }
}
