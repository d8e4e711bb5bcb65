package dev.anvil.tune;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: {@code java -cp ... dev.anvil.tune.WorkerMain <WorkerSpec arguments>
 * [--exit-with-parent]}. With {@code --exit-with-parent} it halts when its standard input closes,
 * that is when the process that started it dies (even by {@code kill -9}); its running trial is
 * then LOST and retried by the study.
 */
public final class WorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    public static void main(String[] args) {
        List<String> list = List.of(args);
        try {
            WorkerSpec spec = WorkerSpec.parse(list);
            if (list.contains("--exit-with-parent")) watchParent(System.in);
            spec.runWorker();
            System.exit(0);
        } catch (IllegalArgumentException e) {
            System.err.println("anvil tune worker: " + e.getMessage());
            System.exit(2);
        } catch (IOException | RuntimeException e) {
            LOG.error("worker failed", e);
            System.exit(1);
        }
    }

    private static void watchParent(InputStream in) {
        Thread t = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // the parent writes nothing: read() returns -1 only when it is gone
                }
            } catch (IOException ignored) {
                // a broken pipe means the same
            }
            LOG.warn("the process that started this worker is gone: stopping");
            Runtime.getRuntime().halt(3);
        }, "anvil-tune-parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
